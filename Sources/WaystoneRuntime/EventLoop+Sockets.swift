import CLinux
import Glibc

extension EventLoop {
    /// Listens on `address` (SO_REUSEADDR; IPv6 sockets are IPV6_V6ONLY so v4 and v6 listeners share a port).
    public func listenTCP(
        _ address: SocketAddress, backlog: Int32 = 1024, onAccept: @escaping (TCPConnection) -> Void
    ) throws(RuntimeError) -> TCPListener {
        let fd = try Self.makeBoundSocket(address, type: waystone_sock_stream(), reuseAddress: true)
        do {
            _ = try Syscall.blocking { listen(fd, backlog) }
        } catch {
            Syscall.close(fd)
            throw error.runtime("listen", address.description)
        }
        let local: SocketAddress
        do {
            local = try SocketAddress.local(of: fd)
        } catch {
            Syscall.close(fd)
            throw error.runtime("getsockname", address.description)
        }
        do {
            return try TCPListener(loop: self, fd: fd, localAddress: local, onAccept: onAccept)
        } catch {
            throw error.runtime("epoll_ctl", address.description)
        }
    }

    /// Starts a non-blocking connect. `onConnect` runs on the loop exactly once: with the connection, or with the
    /// error (refused, unreachable, `ETIMEDOUT` after `timeoutNanoseconds`). Throws only if no socket could be made,
    /// or if it could not be bound to `source`.
    ///
    /// `source` picks the local IP (and port, 0 for any) the connection comes from, e.g. one of several loopback
    /// addresses so that many connections to one server do not exhaust one address's ephemeral ports. With port 0
    /// the port is chosen at connect time (`IP_BIND_ADDRESS_NO_PORT`), so it is unique per 4-tuple, not per address.
    public func connectTCP(
        _ address: SocketAddress, from source: SocketAddress? = nil, timeoutNanoseconds: UInt64? = nil,
        onConnect: @escaping (Result<TCPConnection, RuntimeError>) -> Void
    ) throws(RuntimeError) {
        let fd: Int32
        do {
            fd = try Syscall.blocking { socket(address.family, waystone_sock_stream(), 0) }
        } catch {
            throw error.runtime("socket", address.description)
        }
        try? Syscall.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        if let source {
            do {
                try Self.bindSource(fd, source)
            } catch {
                Syscall.close(fd)
                throw error.runtime("bind", source.description)
            }
        }
        let pending = PendingConnect(loop: self, fd: fd, address: address, onConnect: onConnect)
        let started = address.withSockAddr { pointer, length in
            Result { () throws(SyscallError) in try Syscall.call { connect(fd, pointer, length) } }
        }
        switch started {
        case .success(.done):
            deferToLoop { pending.complete(errno: 0) }
        case .success(.wouldBlock):
            // For TCP, EAGAIN from connect means no free local port: a failure, not "in progress".
            deferToLoop { pending.complete(errno: EAGAIN) }
        case .failure(let error) where error.errno == EINPROGRESS || error.errno == EALREADY:
            pending.watch()
        case .failure(let error):
            deferToLoop { pending.complete(errno: error.errno) }
        }
        if let timeoutNanoseconds {
            pending.timer = schedule(afterNanoseconds: timeoutNanoseconds) { [weak pending] in
                pending?.complete(errno: ETIMEDOUT)
            }
        }
    }

    /// Binds an unconnected socket to `source` (a source address for a connect). Port 0 defers the port choice to
    /// `connect` where the kernel supports it.
    private static func bindSource(_ fd: Int32, _ source: SocketAddress) throws(SyscallError) {
        if source.port == 0 {
            try? Syscall.setOption(fd, Int32(IPPROTO_IP), IP_BIND_ADDRESS_NO_PORT, 1)
        }
        _ = try source.withSockAddr { pointer, length throws(SyscallError) in
            try Syscall.blocking { Glibc.bind(fd, pointer, length) }
        }
    }

    /// Binds a UDP socket. Datagrams longer than `maxDatagramBytes` are dropped (and counted in
    /// ``UDPSocket/truncatedDatagrams``). `socketBufferBytes` asks for larger kernel receive and send buffers (a busy
    /// server drops datagrams when its receive buffer overflows); the kernel caps it at `net.core.rmem_max` /
    /// `net.core.wmem_max`.
    public func bindUDP(
        _ address: SocketAddress, maxDatagramBytes: Int = UDPSocket.defaultMaxDatagramBytes,
        socketBufferBytes: Int? = nil,
        onDatagram: @escaping (UDPSocket, UnsafeRawBufferPointer, SocketAddress) -> Void
    ) throws(RuntimeError) -> UDPSocket {
        let fd = try Self.makeBoundSocket(address, type: waystone_sock_dgram(), reuseAddress: false)
        if let socketBufferBytes {
            // Best effort: a smaller buffer than asked for is not an error.
            try? Syscall.setOption(fd, SOL_SOCKET, SO_RCVBUF, Int32(clamping: socketBufferBytes))
            try? Syscall.setOption(fd, SOL_SOCKET, SO_SNDBUF, Int32(clamping: socketBufferBytes))
        }
        let local: SocketAddress
        do {
            local = try SocketAddress.local(of: fd)
        } catch {
            Syscall.close(fd)
            throw error.runtime("getsockname", address.description)
        }
        do {
            return try UDPSocket(
                loop: self, fd: fd, localAddress: local, maxDatagramBytes: maxDatagramBytes, onDatagram: onDatagram)
        } catch {
            throw error.runtime("epoll_ctl", address.description)
        }
    }

    /// Wraps an already connected, non-blocking stream socket (tests use socketpairs). The loop owns `fd` after.
    func adoptConnection(fd: Int32, remote: SocketAddress, local: SocketAddress) throws(RuntimeError) -> TCPConnection {
        do {
            return try TCPConnection(loop: self, fd: fd, remote: remote, local: local)
        } catch {
            throw error.runtime("epoll_ctl", remote.description)
        }
    }

    /// socket + options + bind, closing the socket on failure.
    static func makeBoundSocket(_ address: SocketAddress, type: Int32, reuseAddress: Bool) throws(RuntimeError) -> Int32
    {
        let name = address.description
        let fd: Int32
        do {
            fd = try Syscall.blocking { socket(address.family, type, 0) }
        } catch {
            throw error.runtime("socket", name)
        }
        do {
            if address.isIPv6 {
                try Syscall.setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1)
            }
            if reuseAddress {
                try Syscall.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            }
        } catch {
            Syscall.close(fd)
            throw error.runtime("setsockopt", name)
        }
        do {
            _ = try address.withSockAddr { pointer, length throws(SyscallError) in
                try Syscall.blocking { bind(fd, pointer, length) }
            }
        } catch {
            Syscall.close(fd)
            throw error.runtime("bind", name)
        }
        return fd
    }
}

/// A connect in progress: waits for EPOLLOUT, then reads SO_ERROR.
final class PendingConnect: LoopHandler {
    private let loop: EventLoop
    private let fd: Int32
    private let address: SocketAddress
    private var onConnect: ((Result<TCPConnection, RuntimeError>) -> Void)?
    private var registration: Registration?
    var timer: TimerHandle?

    init(
        loop: EventLoop, fd: Int32, address: SocketAddress,
        onConnect: @escaping (Result<TCPConnection, RuntimeError>) -> Void
    ) {
        self.loop = loop
        self.fd = fd
        self.address = address
        self.onConnect = onConnect
    }

    /// Registers for writability; reports the epoll error through the callback if that fails.
    func watch() {
        do {
            registration = try loop.register(fd: fd, interest: waystone_epollout(), handler: self)
        } catch {
            let code = error.errno
            loop.deferToLoop { self.complete(errno: code) }
        }
    }

    func handleEvents(_ events: UInt32) {
        complete(errno: Syscall.pendingError(fd))
    }

    func loopWillClose() {
        complete(errno: ECANCELED)
    }

    /// Finishes once: hands over the socket on success, closes it on failure.
    func complete(errno code: Int32) {
        guard let callback = onConnect else { return }
        onConnect = nil
        if let timer { loop.cancel(timer) }
        timer = nil
        if let registration { loop.deregister(fd: fd, registration: registration) }
        registration = nil
        guard code == 0 else {
            Syscall.close(fd)
            callback(.failure(RuntimeError(operation: "connect", address: address.description, errno: code)))
            return
        }
        let local: SocketAddress
        do {
            local = try SocketAddress.local(of: fd)
        } catch {
            Syscall.close(fd)
            callback(.failure(error.runtime("getsockname", address.description)))
            return
        }
        do {
            let connection = try TCPConnection(loop: loop, fd: fd, remote: address, local: local)
            callback(.success(connection))
        } catch {
            callback(.failure(error.runtime("epoll_ctl", address.description)))
        }
    }
}
