import Metrics

/// The libp2p listener's metrics (go-libp2p's `libp2p_swarm_*` naming where one exists).
struct Libp2pMetrics {
    let connections: GaugeFamily
    private let openedFamily: CounterFamily
    private let dialFailures: CounterFamily
    private let refusedFamily: CounterFamily
    private let handshakeFailures: CounterFamily
    private let streams: CounterFamily

    static let knownProtocols: Set<String> = ["/ipfs/id/1.0.0", "/ipfs/id/push/1.0.0", "/ipfs/ping/1.0.0"]

    init(registry: MetricsRegistry) {
        do {
            connections = try registry.gauge(
                "libp2p_swarm_connections",
                help: "Open libp2p connections, inbound and outbound (upgrading or upgraded).")
            openedFamily = try registry.counter(
                "libp2p_swarm_connections_opened_total",
                help: "libp2p connections upgraded (multistream, Noise, Yamux), by direction.", labelNames: ["dir"])
            for dir in ["inbound", "outbound"] { openedFamily.labels(dir).inc(by: 0) }
            dialFailures = try registry.counter(
                "waystone_libp2p_dial_failures_total", help: "Outbound dials (libp2p.peers) that failed, by reason.",
                labelNames: ["reason"])
            dialFailures.labels("connect").inc(by: 0)
            refusedFamily = try registry.counter(
                "waystone_libp2p_connections_refused_total",
                help: "Inbound libp2p connections closed at accept, by reason.", labelNames: ["reason"])
            for reason in ["connection_limit", "connection_limit_per_ip", "pending_handshakes", "rate_limited"] {
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
        } catch {
            // Names are constants checked by the tests; a failure here is a programming error.
            preconditionFailure("libp2p metrics registration: \(error)")
        }
    }

    func refused(_ reason: String) { refusedFamily.labels(reason).inc() }
    func opened(_ direction: String) { openedFamily.labels(direction).inc() }
    func dialFailed(_ reason: String) { dialFailures.labels(reason).inc() }
    func handshakeFailed(_ reason: String) { handshakeFailures.labels(reason).inc() }
    func stream(_ name: String) { streams.labels(Self.knownProtocols.contains(name) ? name : "other").inc() }
}
