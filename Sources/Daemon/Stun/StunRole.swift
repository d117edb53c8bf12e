import Limits
import STUN
import WaystoneRuntime

/// The STUN address observer: RFC 8489 Binding over UDP and TCP on every `stun.listen` address, RFC 5780 sockets
/// when `stun.alternatePort` / `stun.alternateAddresses` are set. The protocol is ``STUNServer`` (pure); this type
/// moves datagrams and bytes, applies the per-IP rate limit and the TCP limits, and counts everything.
final class StunRole: DaemonRole {
    /// A start problem: one line, exit code 2.
    struct StartError: Error, CustomStringConvertible {
        let description: String
    }

    /// A bound UDP socket, what it is in RFC 5780 terms, and how many of its kernel-level losses were counted.
    private final class UDPEndpoint {
        let socket: UDPSocket
        let role: STUNSocketRole
        let local: STUNAddress
        var countedTruncated = 0
        var countedFailedSends = 0

        init(socket: UDPSocket, role: STUNSocketRole, local: STUNAddress) {
            self.socket = socket
            self.role = role
            self.local = local
        }
    }

    private final class TCPSession {
        let connection: TCPConnection
        let local: STUNAddress
        let role: STUNSocketRole
        var framer: STUNTCPFramer
        var lastActivity: UInt64
        var idleTimer: TimerHandle?

        init(connection: TCPConnection, local: STUNAddress, role: STUNSocketRole, framer: STUNTCPFramer, now: UInt64) {
            self.connection = connection
            self.local = local
            self.role = role
            self.framer = framer
            lastActivity = now
        }
    }

    private struct SocketKey: Hashable {
        let ipv6: Bool
        let role: STUNSocketRole
    }

    /// Kernel buffer asked for each UDP socket (capped by net.core.rmem_max / wmem_max; see README).
    static let udpSocketBufferBytes = 4 << 20

    let name = "stun"
    private(set) var boundAddresses: [String] = []
    var activeWork: Int { 0 }

    private let loop: EventLoop
    private let server: STUNServer
    private var limiter: PerIPRateLimiter
    private let limits: WaystoneConfig.StunLimits
    private let metrics: StunMetrics
    private var udp: [SocketKey: UDPSocket] = [:]
    private var udpEndpoints: [UDPEndpoint] = []
    private var listeners: [TCPListener] = []
    private var sessions: [ObjectIdentifier: TCPSession] = [:]
    private var connectionsPerIP: [[UInt8]: Int] = [:]
    private let idleNanoseconds: UInt64

    /// Binds every socket. A default `[::]` address on a host without IPv6 is skipped with `warn`.
    init(
        config: WaystoneConfig.StunSection, isDefaultListen: Bool, loop: EventLoop, metrics: StunMetrics,
        warn: (String) -> Void
    ) throws(StartError) {
        self.loop = loop
        self.metrics = metrics
        limits = config.limits
        idleNanoseconds = UInt64(config.limits.tcpIdleSeconds) * 1_000_000_000
        let plan = try Self.plan(config)
        server = STUNServer(config: plan.server)
        limiter = PerIPRateLimiter(
            requestsPerSecond: Double(config.limits.requestsPerSecondPerIP), burst: Double(config.limits.burstPerIP),
            penaltyNanoseconds: UInt64(config.limits.penaltySeconds) * 1_000_000_000,
            maxTrackedIPs: config.limits.maxTrackedIPs)
        do {
            if config.udp {
                for (role, addresses) in plan.sockets {
                    let bound = try ListenerPolicy.bindAll(
                        addresses, key: "stun.listen (UDP)", isDefault: isDefaultListen && role == .primary, warn: warn
                    ) { (address: SocketAddress) throws(RuntimeError) in
                        // One byte over the limit, so an oversized request reaches the server and counts as too_large.
                        try loop.bindUDP(
                            address, maxDatagramBytes: config.limits.maxRequestBytes + 1,
                            socketBufferBytes: Self.udpSocketBufferBytes
                        ) {
                            [unowned self] socket, bytes, source in
                            self.receive(bytes, from: source, on: socket)
                        }
                    }
                    for socket in bound { add(socket, role: role) }
                }
            }
            if config.tcp {
                // Every RFC 5780 socket gets a TCP listener too, so the OTHER-ADDRESS a TCP response names answers.
                for (role, addresses) in plan.sockets {
                    let bound = try ListenerPolicy.bindAll(
                        addresses, key: "stun.listen (TCP)", isDefault: isDefaultListen && role == .primary, warn: warn
                    ) { (address: SocketAddress) throws(RuntimeError) in
                        try loop.listenTCP(address) { [unowned self] connection in self.accept(connection, role: role) }
                    }
                    listeners += bound
                    boundAddresses += bound.map {
                        role == .primary ? "tcp/\($0.localAddress)" : "tcp/\($0.localAddress)(\(role))"
                    }
                }
            }
        } catch {
            stopAcceptingWork()
            throw StartError(description: error.description)
        }
    }

    private func add(_ socket: UDPSocket, role: STUNSocketRole) {
        let local = socket.localAddress
        guard let address = STUNAddress(bytes: local.addressBytes, port: local.port) else { return }
        udp[SocketKey(ipv6: local.isIPv6, role: role)] = socket
        let endpoint = UDPEndpoint(socket: socket, role: role, local: address)
        udpEndpoints.append(endpoint)
        socket.onLoss = { [unowned self, unowned endpoint] _ in self.countSocketLosses(endpoint) }
        boundAddresses.append(role == .primary ? "udp/\(local)" : "udp/\(local)(\(role))")
    }

    func stopAcceptingWork() {
        for endpoint in udpEndpoints { endpoint.socket.close() }
        udpEndpoints.removeAll()
        udp.removeAll()
        for listener in listeners { listener.close() }
        listeners.removeAll()
        for session in sessions.values { session.connection.close() }
    }

    func flush() {}

    // MARK: UDP

    private func receive(_ bytes: UnsafeRawBufferPointer, from source: SocketAddress, on socket: UDPSocket) {
        let start = loop.nowNanoseconds()
        guard let endpoint = udpEndpoints.first(where: { $0.socket === socket }),
            let client = STUNAddress(bytes: source.addressBytes, port: source.port)
        else { return }
        if let refused = admit(source.addressBytes, now: start) {
            metrics.drop(refused.rawValue)
            return
        }
        let outcome = server.handle(
            bytes, source: client, local: endpoint.local, socket: endpoint.role, transport: .udp)
        switch outcome {
        case .drop(let reason):
            metrics.drop(reason.rawValue)
        case .respond(let response, let role, let kind):
            count(kind, metrics.udp)
            // Unchanged role: answer from the receiving socket (there may be several primary addresses per family).
            let sender = role == endpoint.role ? socket : (udp[SocketKey(ipv6: source.isIPv6, role: role)] ?? socket)
            if !sender.send(response, to: source) { metrics.drop("send_failed") }
        }
        metrics.processing.observe(Double(loop.nowNanoseconds() &- start) / 1e9)
    }

    /// Datagrams the socket dropped itself (longer than the maximum; refused by the kernel in a batched send) since
    /// the last look, added to the drop counters (the socket's `onLoss`).
    private func countSocketLosses(_ endpoint: UDPEndpoint) {
        let truncated = endpoint.socket.truncatedDatagrams
        if truncated != endpoint.countedTruncated {
            metrics.dropped[STUNDropReason.tooLarge.rawValue]?.inc(by: Double(truncated - endpoint.countedTruncated))
            endpoint.countedTruncated = truncated
        }
        let failed = endpoint.socket.failedSends
        if failed != endpoint.countedFailedSends {
            metrics.dropped["send_failed"]?.inc(by: Double(failed - endpoint.countedFailedSends))
            endpoint.countedFailedSends = failed
        }
    }

    /// nil when admitted, else the drop reason.
    private func admit(_ ip: [UInt8], now: UInt64) -> STUNDropReason? {
        guard !limiter.isUnlimited else { return nil }
        switch limiter.admit(ip: ip, now: now) {
        case .allowed: return nil
        case .limited: return .rateLimited
        case .penalized: return .penalized
        }
    }

    private func count(_ kind: STUNOutcome.ResponseKind, _ transport: StunMetrics.PerTransport) {
        transport.requests.inc()
        switch kind {
        case .success: transport.responses.inc()
        case .error(let code): metrics.errors.labels(String(code)).inc()
        }
    }

    // MARK: TCP

    private func accept(_ connection: TCPConnection, role: STUNSocketRole) {
        let ip = connection.remoteAddress.addressBytes
        guard sessions.count < limits.maxTcpConnections else {
            metrics.drop("tcp_connection_limit")
            connection.close()
            return
        }
        guard connectionsPerIP[ip, default: 0] < limits.maxTcpConnectionsPerIP else {
            metrics.drop("tcp_connection_limit_per_ip")
            connection.close()
            return
        }
        let local = connection.localAddress
        guard let localAddress = STUNAddress(bytes: local.addressBytes, port: local.port) else {
            connection.close()
            return
        }
        connectionsPerIP[ip, default: 0] += 1
        let key = ObjectIdentifier(connection)
        let session = TCPSession(
            connection: connection, local: localAddress, role: role,
            framer: STUNTCPFramer(maxMessageBytes: limits.maxRequestBytes), now: loop.nowNanoseconds())
        sessions[key] = session
        metrics.tcpConnections.set(Double(sessions.count))
        // A client that pipelines requests without reading the answers stops being read at 64 KiB queued.
        connection.highWaterMark = 64 * 1024
        connection.onRead = { [unowned self, unowned session] _, bytes in self.read(bytes, session) }
        connection.onClose = { [weak self] _, _ in
            guard let self, let session = self.sessions.removeValue(forKey: key) else { return }
            if let timer = session.idleTimer { self.loop.cancel(timer) }
            let remaining = (self.connectionsPerIP[ip] ?? 1) - 1
            self.connectionsPerIP[ip] = remaining > 0 ? remaining : nil
            self.metrics.tcpConnections.set(Double(self.sessions.count))
        }
        armIdleTimer(session)
    }

    /// Answers every complete request in `bytes` (in order) with one write for all of them.
    private func read(_ bytes: UnsafeRawBufferPointer, _ session: TCPSession) {
        let connection = session.connection
        session.framer.append(bytes)
        var replies: [UInt8] = []
        defer { if !replies.isEmpty && !connection.isClosed { connection.write(replies) } }
        while !connection.isClosed {
            let message: [UInt8]
            do {
                guard let next = try session.framer.next() else { return }
                message = next
            } catch {
                metrics.drop(error == .tooLarge ? STUNDropReason.tooLarge.rawValue : "tcp_malformed")
                if !replies.isEmpty { connection.write(replies) }
                replies.removeAll()
                connection.closeAfterFlush()
                return
            }
            let now = loop.nowNanoseconds()
            let remote = connection.remoteAddress
            if let refused = admit(remote.addressBytes, now: now) {
                metrics.drop(refused.rawValue)
                continue
            }
            // Only admitted requests keep a connection alive: a penalized client cannot hold a slot forever.
            session.lastActivity = now
            guard let client = STUNAddress(bytes: remote.addressBytes, port: remote.port) else { return }
            switch server.handle(message, source: client, local: session.local, socket: session.role, transport: .tcp) {
            case .drop(let reason):
                metrics.drop(reason.rawValue)
            case .respond(let response, _, let kind):
                count(kind, metrics.tcp)
                replies.append(contentsOf: response)
            }
            metrics.processing.observe(Double(loop.nowNanoseconds() &- now) / 1e9)
        }
    }

    /// Closes a connection that has not completed a request for `stun.limits.tcpIdleSeconds`.
    private func armIdleTimer(_ session: TCPSession) {
        session.idleTimer = loop.schedule(atNanoseconds: session.lastActivity &+ idleNanoseconds) {
            [weak self, weak session] in
            guard let self, let session, !session.connection.isClosed else { return }
            session.idleTimer = nil
            if self.loop.nowNanoseconds() &- session.lastActivity >= self.idleNanoseconds {
                session.connection.close()
            } else {
                self.armIdleTimer(session)
            }
        }
    }
}
