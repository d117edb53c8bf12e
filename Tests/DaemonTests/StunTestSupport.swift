import Metrics
import STUN
import WaystoneRuntime

@testable import Daemon

#if canImport(Glibc)
    import Glibc
#endif

// Helpers for the STUN role tests: a StunRole on a background event loop, plain blocking UDP and TCP clients
// (IPv4 and IPv6), and STUN request builders.

// MARK: Addresses

/// `address` as a sockaddr (IPv4 or IPv6) for the Glibc calls.
func withSockaddr<R>(_ address: SocketAddress, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
    var storage = sockaddr_storage()
    let length: socklen_t
    if address.isIPv6 {
        var sin6 = sockaddr_in6()
        sin6.sin6_family = sa_family_t(AF_INET6)
        sin6.sin6_port = address.port.bigEndian
        withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: address.addressBytes) }
        withUnsafeMutableBytes(of: &storage) { dst in withUnsafeBytes(of: sin6) { dst.copyMemory(from: $0) } }
        length = socklen_t(MemoryLayout<sockaddr_in6>.size)
    } else {
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = address.port.bigEndian
        withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: address.addressBytes) }
        withUnsafeMutableBytes(of: &storage) { dst in withUnsafeBytes(of: sin) { dst.copyMemory(from: $0) } }
        length = socklen_t(MemoryLayout<sockaddr_in>.size)
    }
    return withUnsafePointer(to: &storage) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
    }
}

/// The local address of socket `fd`.
func localAddress(of fd: Int32) -> SocketAddress? {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let rc = withUnsafeMutablePointer(to: &storage) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard rc == 0 else { return nil }
    return SocketAddress(storage: storage)
}

func socketAddress(_ text: String) -> SocketAddress {
    do {
        return try SocketAddress.parse(text)
    } catch {
        fatalError("bad test address \(text): \(error)")
    }
}

func stunAddress(_ address: SocketAddress) -> STUNAddress? {
    STUNAddress(bytes: address.addressBytes, port: address.port)
}

func setSocketReceiveTimeout(_ fd: Int32, _ seconds: Double) {
    let clamped = max(seconds, 0.005)
    var value = timeval(tv_sec: Int(clamped), tv_usec: Int((clamped - Double(Int(clamped))) * 1_000_000))
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
}

/// Whether a UDP socket can be bound to `[::1]:0` on this host.
func canBindIPv6Loopback() -> Bool {
    UDPClient(bindTo: socketAddress("[::1]:0")) != nil
}

/// A port that is free right now for UDP and TCP on every address of `hosts` (bound then released; racy but fine).
func freeStunPort(hosts: [String] = ["127.0.0.1"], excluding: Set<UInt16> = []) -> UInt16 {
    for _ in 0..<50 {
        guard let probe = UDPClient(bindTo: socketAddress("\(hosts[0]):0")) else { continue }
        let port = probe.local.port
        guard !excluding.contains(port) else { continue }
        var holders: [AnyObject] = [probe]
        var free = true
        for host in hosts.dropFirst() {
            if let held = UDPClient(bindTo: socketAddress("\(host):\(port)")) {
                holders.append(held)
            } else {
                free = false
            }
        }
        for host in hosts {
            if let held = TCPHolder(listenOn: socketAddress("\(host):\(port)")) {
                holders.append(held)
            } else {
                free = false
            }
        }
        holders.removeAll()
        if free { return port }
    }
    fatalError("no free loopback port found")
}

// MARK: Clients

/// A blocking UDP socket bound to a loopback address (port 0 by default).
final class UDPClient {
    let fd: Int32
    let local: SocketAddress

    /// nil if the socket cannot be made or bound (e.g. no IPv6).
    init?(bindTo address: SocketAddress) {
        let fd = socket(address.isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        if address.isIPv6 {
            var on: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &on, socklen_t(MemoryLayout<Int32>.size))
        }
        let rc = withSockaddr(address) { bind(fd, $0, $1) }
        guard rc == 0, let local = localAddress(of: fd) else {
            close(fd)
            return nil
        }
        self.fd = fd
        self.local = local
    }

    deinit { close(fd) }

    /// The client's own address as STUN reflects it.
    var mapped: STUNAddress? { stunAddress(local) }

    @discardableResult
    func send(_ bytes: [UInt8], to address: SocketAddress) -> Bool {
        let n = bytes.withUnsafeBytes { raw in
            withSockaddr(address) { sendto(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL), $0, $1) }
        }
        return n == bytes.count
    }

    /// One datagram and its source, waiting at most `timeout` seconds; nil on timeout.
    func receive(timeout: Double) -> (bytes: [UInt8], from: SocketAddress)? {
        let deadline = monotonicSeconds() + timeout
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let remaining = deadline - monotonicSeconds()
            guard remaining > 0 else { return nil }
            setSocketReceiveTimeout(fd, remaining)
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let n = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(fd, raw.baseAddress, raw.count, 0, $0, &length)
                    }
                }
            }
            if n >= 0 {
                guard let source = SocketAddress(storage: storage) else { return nil }
                return (Array(buffer[0..<n]), source)
            }
            if errno == EINTR { continue }
            // EAGAIN (timeout) or an ICMP error reported on the socket.
            if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
        }
    }

    /// Sends `request` to `server` and decodes the answer; nil when none comes within `timeout`.
    func exchange(_ request: [UInt8], with server: SocketAddress, timeout: Double = 2) -> (
        message: STUNMessage, from: SocketAddress
    )? {
        guard send(request, to: server), let (bytes, from) = receive(timeout: timeout),
            let message = try? STUNMessage.decode(bytes)
        else { return nil }
        return (message, from)
    }
}

/// A listening TCP socket that holds a port. SO_REUSEADDR, like the daemon's listeners, so connections left in
/// TIME_WAIT by an earlier listener on the port do not count as "in use".
final class TCPHolder {
    let fd: Int32

    init?(listenOn address: SocketAddress) {
        let fd = socket(address.isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        let rc = withSockaddr(address) { bind(fd, $0, $1) }
        guard rc == 0, listen(fd, 8) == 0 else {
            close(fd)
            return nil
        }
        self.fd = fd
    }

    deinit { close(fd) }
}

/// A blocking TCP client that reads STUN messages framed by their header length (RFC 8489 §6.2.2).
final class StunStreamClient: BlockingStream {
    var mapped: STUNAddress? { stunAddress(local) }

    /// The next STUN message within `timeout` seconds; nil on timeout, EOF or undecodable bytes.
    func readMessage(timeout: Double = 2) -> STUNMessage? {
        let frame: [UInt8]? = read(timeout: timeout) { buffer in
            guard buffer.count >= 20 else { return nil }
            let total = 20 + (Int(buffer[2]) << 8 | Int(buffer[3]))
            return buffer.count >= total ? (Array(buffer[0..<total]), total) : nil
        }
        return frame.flatMap { try? STUNMessage.decode($0) }
    }

    /// Bytes received and not yet returned.
    var bufferedCount: Int { buffer.count }
}

// MARK: Requests

/// A fresh random 12-byte transaction ID.
func randomTransactionID() -> [UInt8] {
    (0..<12).map { _ in UInt8.random(in: 0...255) }
}

/// A STUN request (Binding unless `method` says otherwise), optionally with CHANGE-REQUEST `flags`
/// (0x04 change IP, 0x02 change port) and FINGERPRINT.
func stunRequest(
    transactionID: [UInt8] = randomTransactionID(), method: UInt16 = STUN.bindingMethod, changeFlags: UInt32? = nil,
    fingerprint: Bool = false
) -> [UInt8] {
    var encoder = STUNMessageEncoder(method: method, messageClass: .request, transactionID: transactionID)
    if let flags = changeFlags {
        encoder.append(
            .changeRequest,
            value: [
                UInt8(flags >> 24 & 0xFF), UInt8(flags >> 16 & 0xFF), UInt8(flags >> 8 & 0xFF), UInt8(flags & 0xFF),
            ]
        )
    }
    if fingerprint { encoder.appendFingerprint() }
    return encoder.finish()
}

// MARK: A StunRole on a background loop

/// A `StunRole` built on an `EventLoop` that runs on a background thread; metrics in a fresh registry.
/// Call `stop()` (joins the loop thread) before the end of the test.
final class StunRoleHarness {
    let runner: LoopRunner
    let registry = MetricsRegistry()
    let config: WaystoneConfig.StunSection
    let boundAddresses: [String]
    private var role: StunRole?

    /// `configure` edits `WaystoneConfig().stun` with `listen` preset to 127.0.0.1:0.
    init(_ configure: (inout WaystoneConfig.StunSection) -> Void = { _ in }) throws {
        var config = WaystoneConfig().stun
        config.listen = [socketAddress("127.0.0.1:0")]
        configure(&config)
        self.config = config
        runner = try LoopRunner()
        let role: StunRole
        do {
            role = try StunRole(
                config: config, isDefaultListen: false, loop: runner.loop, metrics: StunMetrics(registry: registry),
                warn: { _ in })
        } catch {
            runner.stop()
            throw error
        }
        self.role = role
        boundAddresses = role.boundAddresses
        runner.start()
    }

    /// The first bound address of `transport` ("udp" or "tcp") and family; alternates (suffixed with their role)
    /// only when `primary` is false.
    func address(_ transport: String, ipv6: Bool = false, role: STUNSocketRole = .primary) -> SocketAddress? {
        for entry in boundAddresses where entry.hasPrefix(transport + "/") {
            var text = String(entry.dropFirst(transport.count + 1))
            var entryRole = STUNSocketRole.primary
            if let paren = text.firstIndex(of: "(") {
                let name = text[text.index(after: paren)...].dropLast()
                entryRole = STUNSocketRole.all.first { $0.description == name } ?? .primary
                text = String(text[..<paren])
            }
            guard entryRole == role, let parsed = try? SocketAddress.parse(text), parsed.isIPv6 == ipv6 else {
                continue
            }
            return parsed
        }
        return nil
    }

    var udp: SocketAddress { address("udp")! }
    var tcp: SocketAddress { address("tcp")! }

    /// Runs `body` with the role on the loop thread and waits for it (3 s at most).
    @discardableResult
    func onLoop(_ body: @escaping (StunRole) -> Void) -> Bool {
        guard let role else { return false }
        let box = UncheckedBox((role, body))
        let done = Locked(false)
        runner.loop.remote.execute {
            box.value.1(box.value.0)
            done.value = true
        }
        return waitUntil(timeout: 3) { done.value }
    }

    /// A sample's value in the registry's Prometheus text; nil when absent.
    func metric(_ series: String) -> Double? {
        sampleValue(registry.render(), series)
    }

    func dropped(_ reason: String) -> Double? { metric(#"waystone_stun_dropped_total{reason=""# + reason + #""}"#) }
    func requests(_ transport: String) -> Double? {
        metric(#"waystone_stun_binding_requests_total{transport=""# + transport + #""}"#)
    }
    func responses(_ transport: String) -> Double? {
        metric(#"waystone_stun_binding_responses_total{transport=""# + transport + #""}"#)
    }
    func errors(_ code: Int) -> Double? { metric(#"waystone_stun_binding_errors_total{code=""# + "\(code)" + #""}"#) }
    var tcpConnections: Double? { metric("waystone_stun_tcp_connections") }

    /// Waits (3 s at most) until `series` has `value`.
    func waitForMetric(_ value: Double, timeout: Double = 3, _ read: @escaping () -> Double?) -> Bool {
        waitUntil(timeout: timeout) { read() == value }
    }

    /// Stops and joins the loop thread, then releases the role.
    @discardableResult
    func stop() -> Bool {
        let ended = runner.stop()
        role = nil
        return ended
    }
}

// MARK: A Server with the standard roles

/// A `Server` built with `roles: nil` (the roles the config enables, STUN included), run on a background thread.
final class StandardServerHarness {
    let root = TempDirectory()
    let sink = CollectingSink()
    let server: Server
    private let readyPort = Locked<UInt16?>(nil)
    private let exitCode = Locked<ExitCode?>(nil)
    private var thread: BackgroundThread?
    private var stopSent = false

    /// `environment` is added to a temp data dir, metrics on 127.0.0.1:0 and a 1 s drain.
    init(environment extra: [String: String]) throws {
        var environment = [
            "WAYSTONE_DATA_DIR": root.file("data"), "WAYSTONE_METRICS_LISTEN": "127.0.0.1:0",
            "WAYSTONE_SHUTDOWN_DRAIN_SECONDS": "1", "WAYSTONE_LIBP2P_LISTEN": "",
        ]
        environment.merge(extra) { $1 }
        let loader = ConfigLoader(filePath: nil, environment: environment)
        let config = try loader.load()
        let logger = Logger(level: config.log.level, format: config.log.format, sink: sink)
        server = try Server(config: config, loader: loader, logger: logger, roles: nil)
        let readyPort = self.readyPort
        server.onReady = { server in readyPort.value = server.endpoint?.localAddress.port }
    }

    /// Starts `run` on a background thread; the metrics port once ready (5 s at most), nil if it returned first.
    func start() -> UInt16? {
        let box = UncheckedBox(server)
        let exitCode = self.exitCode
        thread = BackgroundThread { exitCode.value = box.value.run(watchSignals: false) }
        _ = waitUntil(timeout: 5) { readyPort.value != nil || exitCode.value != nil }
        return readyPort.value
    }

    /// Sends SIGTERM once (through the loop) and waits for `run` to return; nil on timeout.
    func stop(timeout: Double = 10) -> ExitCode? {
        guard let thread else { return nil }
        if !thread.isFinished && !stopSent {
            stopSent = true
            let box = UncheckedBox(server)
            server.remote.execute { box.value.handleSignal(SIGTERM) }
        }
        guard thread.join(timeout: timeout) else { return nil }
        return exitCode.value
    }

    func lines(_ fragment: String) -> [String] { sink.lines.filter { $0.contains(fragment) } }

    /// Stops the server if still running (bounded), then removes the temp dir.
    func finish() {
        if thread != nil { _ = stop() }
        removeTree(root.path)
    }
}
