import CLinux
import Glibc

/// A bound, non-blocking UDP socket.
///
/// Receiving is batched: one `recvmmsg` reads up to ``batchSize`` datagrams, `onDatagram` runs for each, and the
/// datagrams that callbacks ``send(_:to:)`` meanwhile go out together in one `sendmmsg` after the batch. Up to the
/// loop's read budget of batches is read per wake. Outside a callback `send` is one `sendto`.
public final class UDPSocket: LoopHandler {
    /// Datagrams per `recvmmsg` / `sendmmsg`.
    public static let batchSize = 32
    /// The default largest datagram received; longer ones are dropped and counted.
    public static let defaultMaxDatagramBytes = 2048

    /// The bound address (with the kernel's port when bound to port 0).
    public let localAddress: SocketAddress
    /// True once closed.
    public private(set) var isClosed = false
    /// Datagrams dropped on receive because they were longer than the socket's maximum.
    public private(set) var truncatedDatagrams = 0
    /// Batched datagrams the kernel did not take (socket buffer full, ICMP-reported errors).
    public private(set) var failedSends = 0
    /// Called after a wake in which ``truncatedDatagrams`` or ``failedSends`` grew (for counters).
    public var onLoss: ((UDPSocket) -> Void)?

    private let fd: Int32
    private let loop: EventLoop
    private var registration: Registration?
    private var onDatagram: ((UDPSocket, UnsafeRawBufferPointer, SocketAddress) -> Void)?
    private let receiveBatch: OpaquePointer
    private let sendBatch: OpaquePointer
    private var pendingSends = 0
    private var isDispatching = false

    init(
        loop: EventLoop, fd: Int32, localAddress: SocketAddress, maxDatagramBytes: Int,
        onDatagram: @escaping (UDPSocket, UnsafeRawBufferPointer, SocketAddress) -> Void
    ) throws(SyscallError) {
        let slot = Int32(clamping: max(1, maxDatagramBytes))
        guard let receiveBatch = waystone_udp_batch_create(Int32(Self.batchSize), slot) else {
            Syscall.close(fd)
            throw SyscallError(errno: ENOMEM)
        }
        guard let sendBatch = waystone_udp_batch_create(Int32(Self.batchSize), slot) else {
            waystone_udp_batch_destroy(receiveBatch)
            Syscall.close(fd)
            throw SyscallError(errno: ENOMEM)
        }
        self.loop = loop
        self.fd = fd
        self.localAddress = localAddress
        self.onDatagram = onDatagram
        self.receiveBatch = receiveBatch
        self.sendBatch = sendBatch
        do {
            registration = try loop.register(fd: fd, interest: waystone_epollin(), handler: self)
        } catch {
            Syscall.close(fd)
            isClosed = true
            throw error
        }
    }

    deinit {
        waystone_udp_batch_destroy(receiveBatch)
        waystone_udp_batch_destroy(sendBatch)
    }

    /// Sends one datagram. Returns false if it was not sent or queued (socket buffer full, unreachable, wrong family,
    /// closed): UDP is lossy anyway, so callers count it and move on. From inside `onDatagram` the datagram is
    /// queued for the batch's `sendmmsg` (later kernel refusals count in ``failedSends``).
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress) -> Bool {
        guard !isClosed, address.isIPv6 == localAddress.isIPv6 else { return false }
        if isDispatching {
            let queued = address.withSockAddr { pointer, length in
                waystone_udp_batch_set(
                    sendBatch, Int32(pendingSends), bytes.baseAddress, Int32(clamping: bytes.count), pointer, length)
                    == 0
            }
            if queued {
                pendingSends += 1
                if pendingSends == Self.batchSize { flushSends() }
                return true
            }
        }
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

    /// Closes the socket; no callbacks after this. Datagrams queued in the current batch are dropped.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        onDatagram = nil
        onLoss = nil
        pendingSends = 0
        if let registration { loop.deregister(fd: fd, registration: registration) }
        registration = nil
        Syscall.close(fd)
    }

    func loopWillClose() {
        close()
    }

    func handleEvents(_ events: UInt32) {
        isDispatching = true
        let losses = truncatedDatagrams + failedSends
        defer {
            isDispatching = false
            if truncatedDatagrams + failedSends != losses && !isClosed { onLoss?(self) }
        }
        var batches = 0
        while batches < loop.readBudgetPerWake && !isClosed {
            batches += 1
            let count = Int(waystone_udp_batch_recv(fd, receiveBatch))
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { break }
                continue  // an ICMP report from an earlier send (ECONNREFUSED...): keep receiving
            }
            for index in 0..<count where !isClosed {
                let slot = Int32(index)
                guard waystone_udp_batch_truncated(receiveBatch, slot) == 0 else {
                    truncatedDatagrams += 1
                    continue
                }
                guard let data = waystone_udp_batch_data(receiveBatch, slot),
                    let name = waystone_udp_batch_name(receiveBatch, slot),
                    let sender = SocketAddress(storage: name.pointee)
                else { continue }
                let length = Int(waystone_udp_batch_length(receiveBatch, slot))
                onDatagram?(self, UnsafeRawBufferPointer(start: data, count: length), sender)
            }
            flushSends()
            if count < Self.batchSize { break }
        }
    }

    private func flushSends() {
        guard pendingSends > 0, !isClosed else {
            pendingSends = 0
            return
        }
        let sent = Int(waystone_udp_batch_send(fd, sendBatch, Int32(pendingSends)))
        failedSends += pendingSends - sent
        pendingSends = 0
    }
}
