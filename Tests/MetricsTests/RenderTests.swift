import Testing

@testable import Metrics

@Suite("Prometheus text rendering")
struct RenderTests {
    @Test("small registry renders the exact golden text")
    func golden() throws {
        let registry = MetricsRegistry()
        let requests = try registry.counter(
            "waystone_http_requests_total", help: "HTTP requests by path.", labelNames: ["path", "code"])
        requests.labels("/metrics", "200").inc(by: 3)
        requests.labels("/healthz", "200").inc()
        requests.labels("/metrics", "200").inc(by: -5)  // ignored
        let open = try registry.gauge("waystone_open_connections", help: "Open connections.")
        open.set(7)
        open.dec()
        open.inc(by: 0.5)
        let latency = try registry.histogram(
            "waystone_scrape_seconds", help: "Scrape latency.", buckets: [0.005, 0.1, 1])
        latency.observe(0.001)
        latency.observe(0.05)
        latency.observe(0.05)
        latency.observe(30)
        try registry.gaugeFunction("process_open_fds", help: "Open file descriptors.") {
            [(labels: [], value: 12)]
        }
        try registry.counterFunction(
            "process_cpu_seconds_total", help: "CPU time.", labelNames: ["mode"]
        ) {
            [(labels: ["user"], value: 1.25), (labels: ["system"], value: 0.5), (labels: ["bad", "arity"], value: 1)]
        }

        let expected = """
            # HELP process_cpu_seconds_total CPU time.
            # TYPE process_cpu_seconds_total counter
            process_cpu_seconds_total{mode="system"} 0.5
            process_cpu_seconds_total{mode="user"} 1.25
            # HELP process_open_fds Open file descriptors.
            # TYPE process_open_fds gauge
            process_open_fds 12
            # HELP waystone_http_requests_total HTTP requests by path.
            # TYPE waystone_http_requests_total counter
            waystone_http_requests_total{path="/healthz",code="200"} 1
            waystone_http_requests_total{path="/metrics",code="200"} 3
            # HELP waystone_open_connections Open connections.
            # TYPE waystone_open_connections gauge
            waystone_open_connections 6.5
            # HELP waystone_scrape_seconds Scrape latency.
            # TYPE waystone_scrape_seconds histogram
            waystone_scrape_seconds_bucket{le="0.005"} 1
            waystone_scrape_seconds_bucket{le="0.1"} 3
            waystone_scrape_seconds_bucket{le="1"} 3
            waystone_scrape_seconds_bucket{le="+Inf"} 4
            waystone_scrape_seconds_sum 30.101
            waystone_scrape_seconds_count 4

            """
        #expect(registry.render() == expected)
    }

    @Test("help and label values are escaped")
    func escaping() throws {
        let registry = MetricsRegistry()
        let family = try registry.gauge("odd", help: "back\\slash and\nnewline \"quotes\" stay", labelNames: ["v"])
        family.labels("a\\b\"c\nd").set(1)
        #expect(
            registry.render() == """
                # HELP odd back\\\\slash and\\nnewline "quotes" stay
                # TYPE odd gauge
                odd{v="a\\\\b\\"c\\nd"} 1

                """)
    }

    @Test(
        "number formatting",
        arguments: [
            (3.0, "3"), (0.0, "0"), (-0.0, "0"), (-2.0, "-2"), (0.005, "0.005"), (2.5, "2.5"),
            (1e-05, "1e-05"), (1e20, "1e+20"), (123456789.0, "123456789"), (0.1 + 0.2, "0.30000000000000004"),
            (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (Double.nan, "NaN"),
        ] as [(Double, String)])
    func numbers(value: Double, text: String) {
        #expect(PrometheusText.formatValue(value) == text)
    }

    @Test("label-less family renders its zero series; labelled family with no series renders only metadata")
    func emptyFamilies() throws {
        let registry = MetricsRegistry()
        _ = try registry.counter("a_total", help: "A.")
        _ = try registry.counter("b_total", help: "B.", labelNames: ["x"])
        #expect(
            registry.render() == """
                # HELP a_total A.
                # TYPE a_total counter
                a_total 0
                # HELP b_total B.
                # TYPE b_total counter

                """)
    }
}
