import Metrics
import STUN

/// The STUN role's metrics (README maps them to coturn's names). Child handles are resolved once, so the per-packet
/// cost is an atomic add.
struct StunMetrics {
    struct PerTransport {
        let requests: Counter
        let responses: Counter
    }

    let udp: PerTransport
    let tcp: PerTransport
    let errors: CounterFamily
    let dropped: [String: Counter]
    let tcpConnections: GaugeFamily
    let processing: Histogram

    /// Every `reason` label of `waystone_stun_dropped_total`.
    static let dropReasons: [String] =
        STUNDropReason.allCases.map(\.rawValue) + [
            "send_failed", "tcp_connection_limit", "tcp_connection_limit_per_ip", "tcp_malformed",
        ]

    init(registry: MetricsRegistry) {
        do {
            let requests = try registry.counter(
                "waystone_stun_binding_requests_total",
                help: "STUN requests answered (success or error response), by transport.", labelNames: ["transport"])
            let responses = try registry.counter(
                "waystone_stun_binding_responses_total", help: "STUN Binding success responses sent, by transport.",
                labelNames: ["transport"])
            udp = PerTransport(requests: requests.labels("udp"), responses: responses.labels("udp"))
            tcp = PerTransport(requests: requests.labels("tcp"), responses: responses.labels("tcp"))
            errors = try registry.counter(
                "waystone_stun_binding_errors_total",
                help: "STUN error responses sent, by error code (400 bad request, 420 unknown attribute).",
                labelNames: ["code"])
            for code in ["400", "420"] { errors.labels(code).inc(by: 0) }
            let droppedFamily = try registry.counter(
                "waystone_stun_dropped_total",
                help: "STUN messages or connections dropped without a response, by reason.",
                labelNames: ["reason"])
            var dropped: [String: Counter] = [:]
            for reason in Self.dropReasons { dropped[reason] = droppedFamily.labels(reason) }
            self.dropped = dropped
            tcpConnections = try registry.gauge("waystone_stun_tcp_connections", help: "Open STUN TCP connections.")
            processing = try registry.histogram(
                "waystone_stun_processing_seconds", help: "Time to decide and build the answer to one STUN message.",
                buckets: [1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 1e-3, 1e-2]
            ).labels()
        } catch {
            // Names are constants checked by the tests; a failure here is a programming error.
            preconditionFailure("STUN metrics registration: \(error)")
        }
    }

    func drop(_ reason: String) {
        dropped[reason]?.inc()
    }
}
