import Metrics

/// The libp2p listener's metrics: go-libp2p's names (`libp2p_swarm_*`, `libp2p_rcmgr_*`, `libp2p_identify_*`) where
/// one exists, `waystone_libp2p_*` for the rest. Every label has a fixed, small set of values.
struct Libp2pMetrics {
    /// The only stack Waystone speaks: the transport, security and muxer labels of go's swarm metrics.
    static let stack = ["tcp", "noise", "yamux"]
    static let directions = ["inbound", "outbound"]
    static let baseProtocols: Set<String> = ["/ipfs/id/1.0.0", "/ipfs/id/push/1.0.0", "/ipfs/ping/1.0.0"]
    /// Protocol label values: the base protocols and the services' (others are `other`).
    let knownProtocols: Set<String>
    /// `libp2p_rcmgr_blocked_resources` label sets: (dir, scope, resource).
    static let blockedResources = [
        ("inbound", "system", "connections"), ("inbound", "system", "memory"), ("inbound", "connection", "memory"),
        ("outbound", "connection", "memory"), ("inbound", "connection", "streams"),
        ("inbound", "protocol", "streams"),
    ]

    let connections: GaugeFamily
    let peerstorePeers: GaugeFamily
    private let openedFamily: CounterFamily
    private let closedFamily: CounterFamily
    private let handshakeLatency: HistogramFamily
    /// go-libp2p's name has no `_total`, so it is exported as a gauge that only ever grows.
    private let blocked: GaugeFamily
    private let dialFailures: CounterFamily
    private let refusedFamily: CounterFamily
    private let handshakeFailures: CounterFamily
    private let streams: CounterFamily
    private let openStreams: GaugeFamily
    private let identifyFamily: CounterFamily
    private let identifyPushFamily: CounterFamily
    private let pushesTriggered: CounterFamily
    private let backpressure: CounterFamily

    /// - Parameter serviceProtocols: the protocols of the services on the role (their streams get their own label).
    init(registry: MetricsRegistry, serviceProtocols: [String] = []) {
        knownProtocols = Self.baseProtocols.union(serviceProtocols)
        do {
            connections = try registry.gauge(
                "libp2p_swarm_connections",
                help: "Open libp2p connections, inbound and outbound (upgrading or upgraded).")
            openedFamily = try registry.counter(
                "libp2p_swarm_connections_opened_total",
                help: "libp2p connections upgraded (multistream, Noise, Yamux).",
                labelNames: ["dir", "transport", "security", "muxer"])
            closedFamily = try registry.counter(
                "libp2p_swarm_connections_closed_total", help: "Upgraded libp2p connections that closed.",
                labelNames: ["dir", "transport", "security", "muxer"])
            for dir in Self.directions {
                openedFamily.labels([dir] + Self.stack).inc(by: 0)
                closedFamily.labels([dir] + Self.stack).inc(by: 0)
            }
            handshakeLatency = try registry.histogram(
                "libp2p_swarm_handshake_latency_seconds",
                help: "Time from TCP connect/accept to a usable connection (multistream, Noise, Yamux).",
                labelNames: ["transport", "security", "muxer"],
                buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
            _ = handshakeLatency.labels(Self.stack)
            blocked = try registry.gauge(
                "libp2p_rcmgr_blocked_resources",
                help:
                    "Connections, streams and memory refused by a libp2p.limits key since start, by direction, scope and resource (go-libp2p's name; only grows).",
                labelNames: ["dir", "scope", "resource"])
            for (dir, scope, resource) in Self.blockedResources { blocked.labels(dir, scope, resource).set(0) }
            dialFailures = try registry.counter(
                "waystone_libp2p_dial_failures_total",
                help: "Outbound dials (libp2p.peers) that failed, by reason (connect, handshake).",
                labelNames: ["reason"])
            for reason in ["connect", "handshake"] { dialFailures.labels(reason).inc(by: 0) }
            refusedFamily = try registry.counter(
                "waystone_libp2p_connections_refused_total",
                help: "Inbound libp2p connections closed at accept, by reason.", labelNames: ["reason"])
            for reason in [
                "connection_limit", "connection_limit_per_ip", "pending_handshakes", "rate_limited", "memory",
            ] {
                refusedFamily.labels(reason).inc(by: 0)
            }
            handshakeFailures = try registry.counter(
                "waystone_libp2p_handshake_failures_total",
                help: "Inbound connections that failed before the upgrade completed, by reason.", labelNames: ["reason"]
            )
            for reason in ["timeout", "noise", "negotiation"] { handshakeFailures.labels(reason).inc(by: 0) }
            streams = try registry.counter(
                "waystone_libp2p_streams_total", help: "Inbound streams by negotiated protocol.",
                labelNames: ["protocol"])
            openStreams = try registry.gauge(
                "waystone_libp2p_open_streams", help: "Inbound streams open now, by negotiated protocol.",
                labelNames: ["protocol"])
            for name in knownProtocols { openStreams.labels(name).set(0) }
            identifyFamily = try registry.counter(
                "libp2p_identify_identify_total",
                help: "Identify messages sent (answering a peer) and received (answers to our requests).",
                labelNames: ["dir"])
            identifyPushFamily = try registry.counter(
                "libp2p_identify_identify_push_total", help: "Identify pushes sent and received.",
                labelNames: ["dir"])
            for dir in ["sent", "received"] {
                identifyFamily.labels(dir).inc(by: 0)
                identifyPushFamily.labels(dir).inc(by: 0)
            }
            pushesTriggered = try registry.counter(
                "libp2p_identify_identify_pushes_triggered_total",
                help: "Identify push rounds started, by trigger.", labelNames: ["trigger"])
            pushesTriggered.labels("address_change").inc(by: 0)
            backpressure = try registry.counter(
                "waystone_libp2p_backpressure_total",
                help:
                    "Times a connection's socket write queue went over its high-water mark (a peer that does not read fast enough): its stream data waited in the bounded Yamux queues until the socket drained. By direction.",
                labelNames: ["dir"])
            for dir in Self.directions { backpressure.labels(dir).inc(by: 0) }
            peerstorePeers = try registry.gauge(
                "waystone_libp2p_peerstore_peers",
                help: "Peers whose identify is remembered (libp2p.limits.maxPeerstorePeers).")
        } catch {
            // Names are constants checked by the tests; a failure here is a programming error.
            preconditionFailure("libp2p metrics registration: \(error)")
        }
    }

    func label(_ proto: String) -> String { knownProtocols.contains(proto) ? proto : "other" }

    func refused(_ reason: String) { refusedFamily.labels(reason).inc() }
    func opened(_ dir: String, handshakeSeconds: Double) {
        openedFamily.labels([dir] + Self.stack).inc()
        handshakeLatency.labels(Self.stack).observe(handshakeSeconds)
    }
    func closed(_ dir: String) { closedFamily.labels([dir] + Self.stack).inc() }
    func blocked(_ dir: String, _ scope: String, _ resource: String) { blocked.labels(dir, scope, resource).inc() }
    func dialFailed(_ reason: String) { dialFailures.labels(reason).inc() }
    func handshakeFailed(_ reason: String) { handshakeFailures.labels(reason).inc() }
    func streamOpened(_ proto: String) {
        streams.labels(label(proto)).inc()
        openStreams.labels(label(proto)).inc()
    }
    func streamsEnded(_ proto: String, count: Int = 1) { openStreams.labels(label(proto)).dec(by: Double(count)) }
    func identify(_ dir: String) { identifyFamily.labels(dir).inc() }
    func identifyPush(_ dir: String) { identifyPushFamily.labels(dir).inc() }
    func pushTriggered(_ trigger: String) { pushesTriggered.labels(trigger).inc() }
    func backpressured(_ dir: String) { backpressure.labels(dir).inc() }
}
