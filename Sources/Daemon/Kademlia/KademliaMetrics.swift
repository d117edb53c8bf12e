import Kademlia
import Metrics

/// The DHT service's metrics. Label values are fixed sets (message types, results).
struct KademliaMetrics {
    static let types = ["put_value", "get_value", "add_provider", "get_providers", "find_node", "ping"]
    static let results = ["ok", "rate_limited", "stream_limit", "malformed", "refused"]

    let routingTablePeers: GaugeFamily
    let providerRecords: GaugeFamily
    let values: GaugeFamily
    private let inbound: CounterFamily
    private let rpcInbound: CounterFamily
    private let outbound: CounterFamily
    private let lookupDuration: HistogramFamily
    private let snapshotSaves: CounterFamily
    private let snapshotLoads: CounterFamily

    init(registry: MetricsRegistry) {
        do {
            routingTablePeers = try registry.gauge(
                "waystone_kad_routing_table_peers", help: "Peers in the Kademlia routing table (verified DHT servers).")
            providerRecords = try registry.gauge(
                "waystone_kad_provider_records", help: "Provider records kept (full mode).")
            values = try registry.gauge("waystone_kad_values", help: "/pk/ value records kept (full mode).")
            inbound = try registry.counter(
                "waystone_kad_inbound_requests_total", help: "DHT requests received, by message type and result.",
                labelNames: ["type", "result"])
            rpcInbound = try registry.counter(
                "rpc_inbound_messages_total", help: "DHT requests received, by message type (kubo's name).",
                labelNames: ["message_type"])
            for type in Self.types {
                rpcInbound.labels(type).inc(by: 0)
                inbound.labels(type, "ok").inc(by: 0)
            }
            outbound = try registry.counter(
                "waystone_kad_outbound_queries_total",
                help: "DHT queries we sent (lookups, verification, liveness), by result (ok, failed, timeout).",
                labelNames: ["result"])
            for result in ["ok", "failed", "timeout"] { outbound.labels(result).inc(by: 0) }
            lookupDuration = try registry.histogram(
                "waystone_kad_lookup_duration_seconds",
                help: "Iterative lookups (bootstrap, refresh) from start to end.",
                buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60])
            snapshotSaves = try registry.counter(
                "waystone_kad_snapshot_saves_total", help: "Routing-table snapshot saves, by result.",
                labelNames: ["result"])
            snapshotLoads = try registry.counter(
                "waystone_kad_snapshot_loads_total",
                help: "Routing-table snapshot loads at start, by result (ok, missing, corrupt, error).",
                labelNames: ["result"])
            for result in ["ok", "error"] { snapshotSaves.labels(result).inc(by: 0) }
            for result in ["ok", "missing", "corrupt", "error"] { snapshotLoads.labels(result).inc(by: 0) }
        } catch {
            preconditionFailure("kademlia metrics registration: \(error)")
        }
    }

    static func label(_ type: KadMessage.MessageType) -> String {
        switch type {
        case .putValue: "put_value"
        case .getValue: "get_value"
        case .addProvider: "add_provider"
        case .getProviders: "get_providers"
        case .findNode: "find_node"
        case .ping: "ping"
        default: "other"
        }
    }

    func request(_ type: String, _ result: String) {
        inbound.labels(type, result).inc()
        rpcInbound.labels(type).inc()
    }
    func query(_ result: String) { outbound.labels(result).inc() }
    func lookup(seconds: Double) { lookupDuration.observe(seconds) }
    func saved(_ result: String) { snapshotSaves.labels(result).inc() }
    func loaded(_ result: String) { snapshotLoads.labels(result).inc() }
}
