import CLinux
import Glibc

extension EventLoop {
    /// Blocks `signals` in the calling thread (pthread_sigmask) and delivers them through a signalfd.
    ///
    /// signalfd only sees signals that are blocked in every thread that could otherwise take them, so call this
    /// (or `blockSignals`) on the main thread before any other thread is started.
    public func watchSignals(_ signals: [Int32], onSignal: @escaping (Int32) -> Void) throws(RuntimeError) {
        try Self.blockSignals(signals)
        let fd = signals.withUnsafeBufferPointer { waystone_signalfd($0.baseAddress, Int32($0.count)) }
        guard fd >= 0 else { throw RuntimeError(operation: "signalfd", errno: Glibc.errno) }
        do {
            _ = try SignalWatcher(loop: self, fd: fd, onSignal: onSignal)
        } catch {
            throw error.runtime("epoll_ctl", "signalfd")
        }
    }

    /// Blocks `signals` in the calling thread; threads started afterwards inherit the mask.
    public static func blockSignals(_ signals: [Int32]) throws(RuntimeError) {
        let code = signals.withUnsafeBufferPointer { waystone_block_signals($0.baseAddress, Int32($0.count)) }
        guard code == 0 else { throw RuntimeError(operation: "pthread_sigmask", errno: code) }
    }

    /// Unblocks `signals` in the calling thread.
    public static func unblockSignals(_ signals: [Int32]) throws(RuntimeError) {
        let code = signals.withUnsafeBufferPointer { waystone_unblock_signals($0.baseAddress, Int32($0.count)) }
        guard code == 0 else { throw RuntimeError(operation: "pthread_sigmask", errno: code) }
    }
}

/// Reads signalfd records and reports their signal numbers. Lives until the loop closes.
final class SignalWatcher: LoopHandler {
    private static let recordSize = Int(waystone_signalfd_siginfo_size())
    private static let recordsPerRead = 8

    private let loop: EventLoop
    private let fd: Int32
    private let onSignal: (Int32) -> Void
    private var registration: Registration?

    init(loop: EventLoop, fd: Int32, onSignal: @escaping (Int32) -> Void) throws(SyscallError) {
        self.loop = loop
        self.fd = fd
        self.onSignal = onSignal
        do {
            registration = try loop.register(fd: fd, interest: waystone_epollin(), handler: self)
        } catch {
            Syscall.close(fd)
            throw error
        }
    }

    func handleEvents(_ events: UInt32) {
        var buffer = [UInt8](repeating: 0, count: Self.recordSize * Self.recordsPerRead)
        var signals: [Int32] = []
        let result = try? buffer.withUnsafeMutableBytes { raw throws(SyscallError) in
            try Syscall.call { read(fd, raw.baseAddress, raw.count) }
        }
        guard case .done(let count) = result else { return }
        buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset + Self.recordSize <= count, let base = raw.baseAddress {
                signals.append(waystone_signalfd_signo(base + offset))
                offset += Self.recordSize
            }
        }
        for signal in signals { onSignal(signal) }
    }

    func loopWillClose() {
        if let registration { loop.deregister(fd: fd, registration: registration) }
        registration = nil
        Syscall.close(fd)
    }
}
