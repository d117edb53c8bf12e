import Glibc
import Synchronization

/// The thread-safe face of an `EventLoop`: enqueue work or ask it to stop from any thread.
/// Wakes the loop through its eventfd.
public final class EventLoopRemote: Sendable {
    private struct State {
        var tasks: [@Sendable () -> Void] = []
        var stopRequested = false
        /// -1 once the loop is closed; then work is dropped.
        var eventFD: Int32
    }

    private let state: Mutex<State>

    init(eventFD: Int32) {
        state = Mutex(State(eventFD: eventFD))
    }

    /// Enqueues `work` to run on the loop thread and wakes the loop. Dropped if the loop is closed.
    /// The queue is not bounded here: callers are the daemon's own threads, not peers.
    public func execute(_ work: @escaping @Sendable () -> Void) {
        state.withLock { state in
            guard state.eventFD >= 0 else { return }
            state.tasks.append(work)
            Self.wake(state.eventFD)
        }
    }

    /// Asks the loop to return from `run()` at its next wake-up.
    public func stop() {
        state.withLock { state in
            guard state.eventFD >= 0 else { return }
            state.stopRequested = true
            Self.wake(state.eventFD)
        }
    }

    /// Takes the queued work and the stop flag (loop thread).
    func take() -> (tasks: [@Sendable () -> Void], stop: Bool) {
        state.withLock { state in
            let result = (state.tasks, state.stopRequested)
            state.tasks = []
            state.stopRequested = false
            return result
        }
    }

    /// Marks the loop closed so no thread writes to the eventfd after it is closed.
    func markClosed() {
        state.withLock { state in
            state.eventFD = -1
            state.tasks = []
        }
    }

    private static func wake(_ fd: Int32) {
        var one: UInt64 = 1
        // EAGAIN means the counter is saturated: the loop is already due to wake.
        _ = try? Syscall.call { write(fd, &one, MemoryLayout<UInt64>.size) }
    }
}
