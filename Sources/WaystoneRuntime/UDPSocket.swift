import CLinux
import Glibc

/// A bound, non-blocking UDP socket. Receives up to the loop's read budget of datagrams per wake.
public final class UDPSocket: LoopHandler {
    /// The bound address (with the kernel's port when bound to port 0).
    public let localAddress: SocketAddress
    /// True once closed.
    public private(set) var isClosed = false

    private let fd: Int32
    private let loop: EventLoop
    private var registration: Registration?
    private var onDatagram: ((UDPSocket, UnsafeRawBufferPointer, SocketAddress) -> Void)?

    init(
        loop: EventLoop, fd: Int32, localAddress: SocketAddress,
        onDatagram: @escaping (UDPSocket, UnsafeRawBufferPointer, SocketAddress) -> Void
    ) throws(SyscallError) {
        self.loop = loop
        self.fd = fd
        self.localAddress = localAddress
        self.onDatagram = onDatagram
        do {
            registration = try loop.register(fd: fd, interest: waystone_epollin(), handler: self)
        } catch {
            Syscall.close(fd)
            isClosed = true
            throw error
        }
    }

    /// Sends one datagram. Returns false if it was not sent (socket buffer full, unreachable, wrong family,
    /// closed): UDP is lossy anyway, so callers count it and move on.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress) -> Bool {
        guard !isClosed, address.isIPv6 == localAddress.isIPv6 else { return false }
        let result = try? address.withSockAddr { pointer, length throws(SyscallError) in
            try Syscall.call {
                sendto(fd, bytes.baseAddress, bytes.count, waystone_msg_nosignal(), pointer, length)
            }
        }
        guard case .done(let count) = result else { return false }
        return count == bytes.count
    }

    /// Sends one datagram; see `send(_:to:)`.
    @discardableResult
    public func send(_ bytes: [UInt8], to address: SocketAddress) -> Bool {
        bytes.withUnsafeBytes { send($0, to: address) }
    }

    /// Closes the socket; no callbacks after this.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        onDatagram = nil
        if let registration { loop.deregister(fd: fd, registration: registration) }
        registration = nil
        Syscall.close(fd)
    }

    func loopWillClose() {
        close()
    }

    func handleEvents(_ events: UInt32) {
        let buffer = loop.readBuffer
        guard let base = buffer.baseAddress else { return }
        var received = 0
        while received < loop.readBudgetPerWake && !isClosed {
            received += 1
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let result = try? Syscall.call {
                withUnsafeMutablePointer(to: &storage) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(fd, base, buffer.count, 0, $0, &length)
                    }
                }
            }
            // Errors here are ICMP reports from earlier sends (ECONNREFUSED...): keep receiving.
            guard let result else { continue }
            guard case .done(let count) = result else { return }
            guard let sender = SocketAddress(storage: storage) else { continue }
            onDatagram?(self, UnsafeRawBufferPointer(start: base, count: count), sender)
        }
    }
}
