import Limits

/// Which inbound libp2p connections are taken: the connection, per-IP, pending-handshake, memory and new-connection
/// rate limits of `libp2p.limits`, over the counts it keeps (connections per IP group, handshakes in progress). Pure:
/// the caller passes the time and the node-wide totals, so it is tested on virtual time.
struct Libp2pAdmissionGate {
    let limits: WaystoneConfig.Libp2pLimits
    private var perGroup: [[UInt8]: Int] = [:]
    /// Inbound connections not upgraded yet.
    private(set) var pendingHandshakes = 0
    private var rate: PerIPRateLimiter

    init(limits: WaystoneConfig.Libp2pLimits) {
        self.limits = limits
        rate = PerIPRateLimiter(
            requestsPerSecond: Double(limits.newConnectionsPerSecondPerIP),
            burst: Double(limits.newConnectionsBurstPerIP), penaltyNanoseconds: 0, maxTrackedIPs: 100_000)
    }

    /// Connections counted for an IP group (``Libp2pRole/ipGroup(_:)``).
    func connections(from group: [UInt8]) -> Int { perGroup[group, default: 0] }

    /// Why a new inbound connection from `group` is refused (the metric's reason), nil when it is taken; `total`
    /// connections are open and `bufferedBytes` held. The rate limit is charged only when every other limit let it
    /// through.
    mutating func refusal(group: [UInt8], total: Int, bufferedBytes: Int, now: UInt64) -> String? {
        if total >= limits.maxConnections { return "connection_limit" }
        if limits.maxConnectionsPerIP > 0 && connections(from: group) >= limits.maxConnectionsPerIP {
            return "connection_limit_per_ip"
        }
        if limits.maxPendingHandshakes > 0 && pendingHandshakes >= limits.maxPendingHandshakes {
            return "pending_handshakes"
        }
        if limits.maxBufferedBytes > 0 && bufferedBytes >= limits.maxBufferedBytes { return "memory" }
        if rate.admit(ip: group, now: now) != .allowed { return "rate_limited" }
        return nil
    }

    /// A connection from `group` started (either direction; an inbound one handshakes until ``upgraded()``).
    mutating func opened(group: [UInt8], inbound: Bool) {
        perGroup[group, default: 0] += 1
        if inbound { pendingHandshakes += 1 }
    }

    /// An inbound connection finished its handshake.
    mutating func upgraded() { pendingHandshakes -= 1 }

    /// A connection from `group` closed; `handshaking`: an inbound one that never upgraded.
    mutating func closed(group: [UInt8], handshaking: Bool) {
        let remaining = connections(from: group) - 1
        perGroup[group] = remaining > 0 ? remaining : nil
        if handshaking { pendingHandshakes -= 1 }
    }
}
