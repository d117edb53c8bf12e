import CLinux
import Glibc

/// A connected, non-blocking TCP socket on an `EventLoop`.
///
/// Reading is level-triggered with a per-wake budget. Writes try a direct send first and queue the rest; while more
/// than `highWaterMark` bytes are queued, reading pauses (backpressure) until the queue falls below half of it.
///
/// An EOF from the peer closes the connection: reading stops, queued bytes are still flushed, then the socket is
/// closed and `onClose` gets nil. Half-close on read (keep writing indefinitely after the peer's FIN) is not
/// supported; it is not needed by this server yet.
public final class TCPConnection: LoopHandler {
    /// Default for `highWaterMark`: 1 MiB.
    public static let defaultHighWaterMark = 1 << 20
    /// Default for `maxQueuedBytes`: 64 MiB.
    public static let defaultMaxQueuedBytes = 64 << 20

    /// The peer's address.
    public let remoteAddress: SocketAddress
    /// Our end's address.
    public let localAddress: SocketAddress
    /// Bytes arrived; the buffer is only valid during the call.
    public var onRead: ((TCPConnection, UnsafeRawBufferPointer) -> Void)?
    /// Called exactly once, on the loop after the fd is closed: nil for an orderly EOF or a local close.
    public var onClose: ((TCPConnection, RuntimeError?) -> Void)?
    /// The write queue emptied.
    public var onDrained: ((TCPConnection) -> Void)?
    /// The write queue, after being over `highWaterMark`, fell to the low-water mark (`highWaterMark / 2`):
    /// producers that held back may write again. Called before `onDrained` when both apply.
    public var onWritable: ((TCPConnection) -> Void)?
    /// Above this many queued bytes reading pauses, until the queue is at most `highWaterMark / 2`.
    public var highWaterMark: Int = TCPConnection.defaultHighWaterMark {
        didSet { updateBackpressure() }
    }
    /// Hard cap on queued bytes: a write that would exceed it closes the connection with `ENOBUFS`.
    /// Producers are expected to respect `highWaterMark` / `onDrained` long before this.
    public var maxQueuedBytes: Int = TCPConnection.defaultMaxQueuedBytes
    /// Bytes accepted by `write` but not yet handed to the kernel.
    public private(set) var queuedBytes = 0
    /// True once the connection is closed (locally or by the peer).
    public private(set) var isClosed = false

    let fd: Int32
    private let loop: EventLoop
    private var registration: Registration?
    private var chunks: [[UInt8]] = []
    private var headIndex = 0
    private var headOffset = 0
    private var pausedByUser = false
    private var closingAfterFlush = false
    private var shutdownAfterFlush = false
    private var writeShut = false
    private var currentInterest: UInt32 = 0
    /// True while the write queue is over the high-water mark (reading is paused), until it is back at the low-water
    /// mark (`highWaterMark / 2`, when `onWritable` runs).
    public private(set) var isBackpressured = false

    /// Largest chunk that further small writes are appended to instead of starting a new chunk.
    private static let coalesceLimit = 16 * 1024

    /// Wraps a connected non-blocking socket and registers it for reading. Closes `fd` if registration fails.
    init(loop: EventLoop, fd: Int32, remote: SocketAddress, local: SocketAddress) throws(SyscallError) {
        self.loop = loop
        self.fd = fd
        self.remoteAddress = remote
        self.localAddress = local
        do {
            registration = try loop.register(fd: fd, interest: waystone_epollin(), handler: self)
            currentInterest = waystone_epollin()
        } catch {
            Syscall.close(fd)
            isClosed = true
            throw error
        }
    }

    /// True when reading is paused, by `pauseReading()` or by backpressure.
    public var isReadingPaused: Bool { pausedByUser || isBackpressured }

    // MARK: Writing

    /// Sends `bytes`: directly if the queue is empty, queueing whatever the kernel does not take. No-op after
    /// `close`, `closeAfterFlush` or `shutdownWrite`.
    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }

    /// Sends `bytes` (copied if they must be queued). No-op after `close`, `closeAfterFlush` or `shutdownWrite`.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard !isClosed, !closingAfterFlush, !shutdownAfterFlush, !writeShut, !bytes.isEmpty else { return }
        var sent = 0
        if queuedBytes == 0 {
            while sent < bytes.count {
                guard let base = bytes.baseAddress else { break }
                do {
                    let result = try Syscall.call {
                        send(fd, base + sent, bytes.count - sent, waystone_msg_nosignal())
                    }
                    guard case .done(let count) = result else { break }
                    sent += count
                } catch {
                    fail(error.runtime("send", remoteAddress.description))
                    return
                }
            }
        }
        guard sent < bytes.count else { return }
        let remaining = UnsafeRawBufferPointer(rebasing: bytes[sent...])
        guard queuedBytes + remaining.count <= maxQueuedBytes else {
            fail(
                RuntimeError(
                    operation: "write", address: remoteAddress.description, errno: ENOBUFS,
                    detail: "write queue over \(maxQueuedBytes) bytes"))
            return
        }
        if chunks.count > headIndex, let lastIndex = chunks.indices.last,
            chunks[lastIndex].count < Self.coalesceLimit
        {
            chunks[lastIndex].append(contentsOf: remaining)
        } else {
            chunks.append(Array(remaining))
        }
        queuedBytes += remaining.count
        updateBackpressure()
        updateInterest()
    }

    /// Stops reading, flushes the write queue, then closes (`onClose` gets nil unless the flush fails).
    public func closeAfterFlush() {
        guard !isClosed else { return }
        if queuedBytes == 0 {
            close()
        } else {
            closingAfterFlush = true
            updateInterest()
        }
    }

    /// After the queue is flushed, shuts down the sending side (SHUT_WR); reading continues.
    public func shutdownWrite() {
        guard !isClosed, !writeShut else { return }
        shutdownAfterFlush = true
        if queuedBytes == 0 { shutdownNow() }
    }

    // MARK: Reading

    /// Stops reading until `resumeReading()`.
    public func pauseReading() {
        pausedByUser = true
        updateInterest()
    }

    /// Resumes reading (unless backpressure still holds it).
    public func resumeReading() {
        pausedByUser = false
        updateInterest()
    }

    // MARK: Closing

    /// Closes now: the queue is dropped, the fd closed, and `onClose(nil)` runs on the loop shortly after.
    public func close() {
        finish(nil)
    }

    func loopWillClose() {
        finish(nil)
    }

    private func fail(_ error: RuntimeError) {
        finish(error)
    }

    private func finish(_ error: RuntimeError?) {
        guard !isClosed else { return }
        isClosed = true
        if let registration { loop.deregister(fd: fd, registration: registration) }
        registration = nil
        Syscall.close(fd)
        chunks = []
        headIndex = 0
        headOffset = 0
        queuedBytes = 0
        let callback = onClose
        onRead = nil
        onDrained = nil
        onWritable = nil
        onClose = nil
        loop.deferToLoop { [self] in callback?(self, error) }
    }

    // MARK: Events

    func handleEvents(_ events: UInt32) {
        if events & waystone_epollerr() != 0 {
            let code = Syscall.pendingError(fd)
            if code != 0 {
                fail(RuntimeError(operation: "socket", address: remoteAddress.description, errno: code))
                return
            }
        }
        if events & waystone_epollout() != 0 && queuedBytes > 0 { flush() }
        guard !isClosed else { return }
        if events & (waystone_epollin() | waystone_epollhup() | waystone_epollerr()) != 0 && wantsRead {
            readAvailable()
        } else if events & waystone_epollhup() != 0 {
            // Both directions are down and we are not reading: nothing more can happen on this socket.
            let code = Syscall.pendingError(fd)
            finish(code == 0 ? nil : RuntimeError(operation: "socket", address: remoteAddress.description, errno: code))
        }
    }

    private var wantsRead: Bool {
        !isClosed && !pausedByUser && !isBackpressured && !closingAfterFlush
    }

    private func readAvailable() {
        let buffer = loop.readBuffer
        guard let base = buffer.baseAddress else { return }
        var reads = 0
        while reads < loop.readBudgetPerWake && wantsRead {
            reads += 1
            let result: IOResult<Int>
            do {
                result = try Syscall.call { read(fd, base, buffer.count) }
            } catch {
                fail(error.runtime("read", remoteAddress.description))
                return
            }
            guard case .done(let count) = result else { return }
            if count == 0 {
                closeAfterFlush()
                return
            }
            onRead?(self, UnsafeRawBufferPointer(start: base, count: count))
            if count < buffer.count { return }
        }
    }

    private func flush() {
        while headIndex < chunks.count {
            let offset = headOffset
            let sendResult = chunks[headIndex].withUnsafeBytes { raw in
                let pending = UnsafeRawBufferPointer(rebasing: raw[offset...])
                return Result { () throws(SyscallError) in
                    try Syscall.call { send(fd, pending.baseAddress, pending.count, waystone_msg_nosignal()) }
                }
            }
            if case .failure(let error) = sendResult {
                fail(error.runtime("send", remoteAddress.description))
                return
            }
            guard case .success(.done(let count)) = sendResult else { break }
            queuedBytes -= count
            headOffset += count
            if headOffset >= chunks[headIndex].count {
                chunks[headIndex] = []
                headIndex += 1
                headOffset = 0
            }
        }
        if headIndex == chunks.count {
            chunks.removeAll(keepingCapacity: chunks.capacity <= 64)
            headIndex = 0
        } else if headIndex > 32 && headIndex * 2 > chunks.count {
            chunks.removeFirst(headIndex)
            headIndex = 0
        }
        updateBackpressure()
        updateInterest()
        guard queuedBytes == 0 else { return }
        onDrained?(self)
        guard !isClosed, queuedBytes == 0 else { return }
        if closingAfterFlush {
            close()
        } else if shutdownAfterFlush {
            shutdownNow()
        }
    }

    private func shutdownNow() {
        guard !writeShut else { return }
        writeShut = true
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    private func updateBackpressure() {
        if queuedBytes > highWaterMark {
            isBackpressured = true
        } else if isBackpressured && queuedBytes <= highWaterMark / 2 {
            isBackpressured = false
            updateInterest()
            onWritable?(self)
            return
        }
        updateInterest()
    }

    private func updateInterest() {
        guard !isClosed, let registration else { return }
        var interest: UInt32 = 0
        if wantsRead { interest |= waystone_epollin() }
        if queuedBytes > 0 { interest |= waystone_epollout() }
        guard interest != currentInterest else { return }
        do {
            try loop.modify(fd: fd, registration: registration, interest: interest)
            currentInterest = interest
        } catch {
            fail(error.runtime("epoll_ctl", remoteAddress.description))
        }
    }
}
