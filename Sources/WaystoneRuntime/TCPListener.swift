import CLinux
import Glibc

/// A listening TCP socket. Accepts up to the loop's read budget per wake; on `EMFILE`, `ENFILE`, `ENOBUFS` or
/// `ENOMEM` it stops watching for connections for `acceptPauseNanoseconds` instead of spinning.
public final class TCPListener: LoopHandler {
    /// Default pause after running out of descriptors: 100 ms.
    public static let defaultAcceptPauseNanoseconds: UInt64 = 100_000_000

    /// The bound address (with the kernel's port when bound to port 0).
    public let localAddress: SocketAddress
    /// How long accepting pauses after a resource error.
    public var acceptPauseNanoseconds = TCPListener.defaultAcceptPauseNanoseconds
    /// True while accepting is paused after a resource error.
    public private(set) var isAcceptPaused = false
    /// How many times accepting paused (for metrics).
    public private(set) var acceptPauseCount = 0
    /// True once closed.
    public private(set) var isClosed = false

    /// Replaces `accept4` in tests (same contract: -1 with `errno` set on failure; flags are added by the caller).
    var acceptFunction: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32 = {
        waystone_accept4($0, $1, $2)
    }

    private let fd: Int32
    private let loop: EventLoop
    private var registration: Registration?
    private let onAccept: (TCPConnection) -> Void
    private var resumeTimer: TimerHandle?

    init(loop: EventLoop, fd: Int32, localAddress: SocketAddress, onAccept: @escaping (TCPConnection) -> Void)
        throws(SyscallError)
    {
        self.loop = loop
        self.fd = fd
        self.localAddress = localAddress
        self.onAccept = onAccept
        do {
            registration = try loop.register(fd: fd, interest: waystone_epollin(), handler: self)
        } catch {
            Syscall.close(fd)
            isClosed = true
            throw error
        }
    }

    /// Stops listening and closes the socket. Connections already accepted are unaffected.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        if let resumeTimer { loop.cancel(resumeTimer) }
        resumeTimer = nil
        if let registration { loop.deregister(fd: fd, registration: registration) }
        registration = nil
        Syscall.close(fd)
    }

    func loopWillClose() {
        close()
    }

    func handleEvents(_ events: UInt32) {
        var accepted = 0
        while accepted < loop.readBudgetPerWake && !isClosed && !isAcceptPaused {
            accepted += 1
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let result: IOResult<Int32>
            do {
                result = try Syscall.call {
                    withUnsafeMutablePointer(to: &storage) { pointer in
                        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            acceptFunction(fd, $0, &length)
                        }
                    }
                }
            } catch {
                switch error.errno {
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    pauseAccepting()
                    return
                case ECONNABORTED, EPROTO, EPERM, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH,
                    EOPNOTSUPP, ENETUNREACH:
                    continue  // this connection failed; others may be waiting
                default:
                    // Unknown and persistent errors would wake a level-triggered loop forever: back off as for EMFILE.
                    pauseAccepting()
                    return
                }
            }
            guard case .done(let connectionFD) = result else { return }
            accept(connectionFD, storage: storage)
        }
    }

    private func accept(_ connectionFD: Int32, storage: sockaddr_storage) {
        try? Syscall.setOption(connectionFD, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        let remote = SocketAddress(storage: storage) ?? (try? SocketAddress.remote(of: connectionFD))
        guard let remote, let local = try? SocketAddress.local(of: connectionFD) else {
            Syscall.close(connectionFD)
            return
        }
        guard let connection = try? TCPConnection(loop: loop, fd: connectionFD, remote: remote, local: local) else {
            return  // the initializer closed the fd
        }
        onAccept(connection)
    }

    private func pauseAccepting() {
        guard let registration else { return }
        isAcceptPaused = true
        acceptPauseCount += 1
        // Level-triggered: with EPOLLIN still set the pending connection would wake us again at once.
        try? loop.modify(fd: fd, registration: registration, interest: 0)
        resumeTimer = loop.schedule(afterNanoseconds: acceptPauseNanoseconds) { [weak self] in
            self?.resumeAccepting()
        }
    }

    private func resumeAccepting() {
        resumeTimer = nil
        guard !isClosed, let registration else { return }
        isAcceptPaused = false
        try? loop.modify(fd: fd, registration: registration, interest: waystone_epollin())
    }
}
