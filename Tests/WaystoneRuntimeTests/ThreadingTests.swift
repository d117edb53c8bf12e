import CLinux
import Foundation
import Glibc
import Testing

@testable import WaystoneRuntime

/// Wake-ups from other threads and signals through signalfd. Each test runs its loop on a dedicated thread so
/// no signal mask leaks into Swift Testing's worker threads.
@Suite struct ThreadingTests {
    /// Runs `body` on a fresh thread and waits for it.
    private func onDedicatedThread(_ body: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            body()
            done.signal()
        }
        thread.start()
        done.wait()
    }

    @Test func wakeUpFromAnotherThread() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let remote = loop.remote
        let loopThread = pthread_self()
        let ranOnLoopThread = Box(false)
        let counter = Box(0)
        // Hop to the loop from another thread 100 times, then stop it from there.
        Thread.detachNewThread {
            usleep(20_000)
            for _ in 0..<100 {
                remote.execute {}
            }
            remote.stop()
        }
        nonisolated(unsafe) let unsafeCounter = counter
        nonisolated(unsafe) let unsafeFlag = ranOnLoopThread
        loop.execute {
            unsafeCounter.value += 1
            unsafeFlag.value = pthread_equal(pthread_self(), loopThread) != 0
        }
        let start = loop.nowNanoseconds()
        #expect(try TestSupport.run(loop))
        #expect(counter.value == 1)
        #expect(ranOnLoopThread.value)
        #expect(loop.nowNanoseconds() - start >= 20_000_000)
    }

    @Test func signalsArriveThroughSignalfd() {
        let outcome = SignalOutcome()
        onDedicatedThread {
            do {
                let loop = try EventLoop()
                defer { loop.close() }
                let thread = pthread_self()
                let seen = Box<[Int32]>([])
                try loop.watchSignals([SIGINT, SIGTERM, SIGHUP, SIGUSR1]) { signal in
                    seen.value.append(signal)
                    if seen.value.count == 2 { loop.stop() }
                }
                // Thread-directed: only this thread (which has them blocked) can receive them.
                let remote = loop.remote
                loop.execute {
                    Thread.detachNewThread {
                        usleep(20_000)  // let the loop block in epoll_wait
                        _ = waystone_pthread_kill(thread, SIGUSR1)
                        usleep(5_000)
                        _ = waystone_pthread_kill(thread, SIGHUP)
                        _ = remote
                    }
                }
                let finished = try TestSupport.run(loop)
                outcome.record(finished: finished, signals: seen.value)
            } catch {
                outcome.record(finished: false, signals: [])
            }
        }
        #expect(outcome.finished)
        #expect(Set(outcome.signals) == [SIGUSR1, SIGHUP])
    }

    @Test func ignoringSIGPIPEMakesBrokenPipesErrors() throws {
        EventLoop.ignoreSIGPIPE()
        let (a, b) = TestSupport.socketPair()
        close(b)
        defer { close(a) }
        var byte: UInt8 = 1
        // Without MSG_NOSIGNAL: would raise SIGPIPE if it were not ignored.
        let result = write(a, &byte, 1)
        #expect(result == -1 && errno == EPIPE)
    }
}

/// Result of the signal test, handed across threads.
final class SignalOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var storedFinished = false
    private var storedSignals: [Int32] = []

    func record(finished: Bool, signals: [Int32]) {
        lock.withLock {
            storedFinished = finished
            storedSignals = signals
        }
    }

    var finished: Bool { lock.withLock { storedFinished } }
    var signals: [Int32] { lock.withLock { storedSignals } }
}
