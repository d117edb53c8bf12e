import CLinux
import Glibc

/// A single-threaded, level-triggered epoll event loop: sockets, timers, eventfd wake-ups and signalfd.
///
/// Everything except `remote` (and `execute`, which forwards to it) must be used on the thread that calls `run()`.
/// Callbacks run on that thread and may close connections, schedule or cancel timers, or call `stop()`.
public final class EventLoop {
    /// Size of the shared read buffer: one read takes at most this many bytes.
    public static let readChunkSize = 64 * 1024

    /// How many reads (or accepts, or datagrams) one registration gets per wake before the loop moves on.
    public let readBudgetPerWake: Int
    /// The most epoll events taken per `epoll_wait`.
    public let maxEvents: Int
    /// The thread-safe handle for other threads.
    public let remote: EventLoopRemote

    let epollFD: Int32
    private let eventFD: Int32
    private var registrations = RegistrationTable()
    private var timers = TimerHeap<() -> Void>()
    private var deferred: [() -> Void] = []
    private var stopRequested = false
    private var closed = false
    /// Set while `close()` releases the handlers: new registrations are refused so nothing outlives the loop.
    private var closing = false
    private let events: UnsafeMutablePointer<epoll_event>
    /// The buffer every stream read and datagram receive lands in; valid only during the callback.
    let readBuffer: UnsafeMutableRawBufferPointer
    /// Events dropped because their registration was gone or reused (for tests and metrics).
    private(set) var staleEventCount = 0
    /// The thread running `run()`, if it is running.
    private(set) var loopThread: pthread_t?

    /// Creates the epoll instance and the wake-up eventfd.
    public init(readBudgetPerWake: Int = 16, maxEvents: Int = 256) throws(RuntimeError) {
        self.readBudgetPerWake = max(1, readBudgetPerWake)
        self.maxEvents = min(max(1, maxEvents), 65536)
        let epollFD: Int32
        do {
            epollFD = try Syscall.blocking { epoll_create1(waystone_epoll_cloexec()) }
        } catch {
            throw error.runtime("epoll_create1")
        }
        let eventFD: Int32
        do {
            eventFD = try Syscall.blocking { eventfd(0, waystone_efd_flags()) }
        } catch {
            Syscall.close(epollFD)
            throw error.runtime("eventfd")
        }
        self.epollFD = epollFD
        self.eventFD = eventFD
        self.remote = EventLoopRemote(eventFD: eventFD)
        self.events = .allocate(capacity: self.maxEvents)
        self.readBuffer = .allocate(byteCount: Self.readChunkSize, alignment: 16)
        let waker = FunctionHandler { [unowned self] _ in self.drainWakeups() }
        do {
            _ = try register(fd: eventFD, interest: waystone_epollin(), handler: waker)
        } catch {
            close()
            throw error.runtime("epoll_ctl", "eventfd")
        }
    }

    deinit {
        if !closed {
            remote.markClosed()
            Syscall.close(eventFD)
            Syscall.close(epollFD)
        }
        events.deallocate()
        readBuffer.deallocate()
    }

    /// Ignores SIGPIPE process-wide. Sends also pass MSG_NOSIGNAL, so this is belt and braces.
    public static func ignoreSIGPIPE() {
        waystone_ignore_sigpipe()
    }

    // MARK: Running

    /// Runs until `stop()` (or `remote.stop()`); returns after the wake in which stop was requested.
    public func run() throws(RuntimeError) {
        guard !closed else { throw RuntimeError(operation: "run", detail: "event loop is closed") }
        guard loopThread == nil else { throw RuntimeError(operation: "run", detail: "event loop is already running") }
        stopRequested = false
        loopThread = pthread_self()
        defer { loopThread = nil }
        while true {
            runDeferred()
            fireDueTimers()
            runDeferred()
            if stopRequested || closed { break }
            let timeout = deferred.isEmpty ? waitTimeoutMilliseconds() : 0
            let count = epoll_wait(epollFD, events, Int32(maxEvents), timeout)
            if count < 0 {
                let code = Glibc.errno
                if code == EINTR { continue }
                throw RuntimeError(operation: "epoll_wait", errno: code)
            }
            for index in 0..<Int(count) {
                let event = events[index]
                let registration = Registration(key: event.data.u64)
                guard let handler = registrations.handler(for: registration) else {
                    staleEventCount += 1
                    continue
                }
                handler.handleEvents(event.events)
                if stopRequested || closed { break }
            }
        }
        runDeferred()
    }

    /// Makes `run()` return after the current callback (loop thread only; other threads use `remote.stop()`).
    public func stop() {
        stopRequested = true
    }

    /// Thread-safe: enqueues `work` for the loop thread and wakes the loop.
    public func execute(_ work: @escaping @Sendable () -> Void) {
        remote.execute(work)
    }

    /// Closes every registered socket (their `onClose` callbacks run), the timers, the epoll instance and the
    /// eventfd. The loop cannot run again.
    public func close() {
        guard !closed, !closing else { return }
        closing = true
        for handler in registrations.allHandlers {
            handler.loopWillClose()
        }
        runDeferred()
        timers.removeAll()
        deferred.removeAll()
        closed = true
        remote.markClosed()
        Syscall.close(eventFD)
        Syscall.close(epollFD)
    }

    /// True once `close()` was called.
    public var isClosed: Bool { closed }

    // MARK: Time and timers

    /// CLOCK_MONOTONIC in nanoseconds.
    public func nowNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(clamping: time.tv_sec) &* 1_000_000_000 &+ UInt64(clamping: time.tv_nsec)
    }

    /// CLOCK_REALTIME (wall clock) in nanoseconds since the Unix epoch: for what must survive a restart (log
    /// timestamps, expiry times saved to disk); intervals use ``nowNanoseconds()``.
    public static func wallClockNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(clamping: time.tv_sec) &* 1_000_000_000 &+ UInt64(clamping: time.tv_nsec)
    }

    /// Runs `body` on the loop thread after `afterNanoseconds`. Timers due at the same moment fire in the order
    /// they were scheduled.
    @discardableResult
    public func schedule(afterNanoseconds: UInt64, _ body: @escaping () -> Void) -> TimerHandle {
        let now = nowNanoseconds()
        let deadline = now.addingReportingOverflow(afterNanoseconds)
        return timers.insert(deadline: deadline.overflow ? UInt64.max : deadline.partialValue, body)
    }

    /// Runs `body` when CLOCK_MONOTONIC reaches `deadlineNanoseconds`.
    @discardableResult
    public func schedule(atNanoseconds deadlineNanoseconds: UInt64, _ body: @escaping () -> Void) -> TimerHandle {
        timers.insert(deadline: deadlineNanoseconds, body)
    }

    /// Cancels a timer; no effect if it already fired or was cancelled.
    public func cancel(_ timer: TimerHandle) {
        timers.cancel(timer)
    }

    /// Number of live timers.
    public var scheduledTimerCount: Int { timers.count }

    /// Entries in the timer heap including lazily cancelled ones (for tests).
    var storedTimerEntries: Int { timers.storedEntries }

    private func fireDueTimers() {
        let now = nowNanoseconds()
        let limit = timers.upcomingSequence
        while !stopRequested, !closed, let body = timers.popDue(now: now, sequenceLimit: limit) {
            body()
        }
    }

    /// Milliseconds until the earliest timer, rounded up; -1 without timers.
    private func waitTimeoutMilliseconds() -> Int32 {
        guard let deadline = timers.earliestDeadline() else { return -1 }
        let now = nowNanoseconds()
        guard deadline > now else { return 0 }
        let millis = (deadline - now + 999_999) / 1_000_000
        return Int32(clamping: min(millis, 3_600_000))
    }

    // MARK: Deferred work

    /// Runs `body` on the loop thread after the current event batch (before the next wait).
    func deferToLoop(_ body: @escaping () -> Void) {
        deferred.append(body)
    }

    private func runDeferred() {
        // Work deferred while running waits for the next round, so a self-rescheduling task cannot starve I/O.
        guard !deferred.isEmpty else { return }
        let batch = deferred
        deferred = []
        for body in batch { body() }
    }

    private func drainWakeups() {
        var counter: UInt64 = 0
        _ = try? Syscall.call { read(eventFD, &counter, MemoryLayout<UInt64>.size) }
        let (tasks, stop) = remote.take()
        for task in tasks { task() }
        if stop { stopRequested = true }
    }

    // MARK: Registrations

    /// Adds `fd` to the epoll set with `interest`, dispatching to `handler`.
    func register(fd: Int32, interest: UInt32, handler: any LoopHandler) throws(SyscallError) -> Registration {
        guard !closing else { throw SyscallError(errno: EBADF) }
        let registration = registrations.insert(handler)
        var event = epoll_event()
        event.events = interest
        event.data.u64 = registration.key
        do {
            _ = try Syscall.blocking { epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) }
        } catch {
            registrations.remove(registration)
            throw error
        }
        return registration
    }

    /// Changes the interest set of a registered fd.
    func modify(fd: Int32, registration: Registration, interest: UInt32) throws(SyscallError) {
        var event = epoll_event()
        event.events = interest
        event.data.u64 = registration.key
        _ = try Syscall.blocking { epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, &event) }
    }

    /// Removes `fd` from the epoll set and frees its registration; queued events for it become stale.
    func deregister(fd: Int32, registration: Registration) {
        if !closed {
            var event = epoll_event()
            _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, &event)
        }
        registrations.remove(registration)
    }

    /// Number of live registrations, the loop's own eventfd included.
    var registrationCount: Int { registrations.count }
}

/// A loop handler made of a closure (the eventfd waker).
final class FunctionHandler: LoopHandler {
    private let body: (UInt32) -> Void

    init(_ body: @escaping (UInt32) -> Void) {
        self.body = body
    }

    func handleEvents(_ events: UInt32) {
        body(events)
    }

    func loopWillClose() {}
}
