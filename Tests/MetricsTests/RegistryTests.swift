import Testing

@testable import Metrics

@Suite("Registry rules, label bounds, histograms")
struct RegistryTests {
    @Test("invalid names and label names are rejected with typed errors")
    func validation() {
        let registry = MetricsRegistry()
        #expect(throws: MetricsError.invalidMetricName("1abc")) { try registry.gauge("1abc", help: "") }
        #expect(throws: MetricsError.invalidMetricName("a-b")) { try registry.gauge("a-b", help: "") }
        #expect(throws: MetricsError.invalidMetricName("")) { try registry.gauge("", help: "") }
        #expect(throws: MetricsError.counterNameMissingTotalSuffix("hits")) { try registry.counter("hits", help: "") }
        #expect(throws: MetricsError.invalidLabelName(metric: "g", label: "__x")) {
            try registry.gauge("g", help: "", labelNames: ["__x"])
        }
        #expect(throws: MetricsError.invalidLabelName(metric: "g", label: "a:b")) {
            try registry.gauge("g", help: "", labelNames: ["a:b"])
        }
        #expect(throws: MetricsError.duplicateLabelName(metric: "g", label: "a")) {
            try registry.gauge("g", help: "", labelNames: ["a", "a"])
        }
        #expect(throws: MetricsError.invalidLabelName(metric: "h", label: "le")) {
            try registry.histogram("h", help: "", labelNames: ["le"])
        }
        #expect(throws: MetricsError.invalidBuckets("h: buckets must be strictly increasing")) {
            try registry.histogram("h", help: "", buckets: [1, 1])
        }
        #expect(throws: MetricsError.helpTooLong("g")) {
            try registry.gauge("g", help: String(repeating: "x", count: MetricsRegistry.maxHelpBytes + 1))
        }
        #expect((try? registry.gauge("ns:sub_metric", help: "")) != nil)
    }

    @Test("re-registering returns the same family; conflicts throw")
    func reRegistration() throws {
        let registry = MetricsRegistry()
        let first = try registry.counter("x_total", help: "X.", labelNames: ["a"])
        let second = try registry.counter("x_total", help: "other help", labelNames: ["a"])
        #expect(first === second)
        #expect(throws: MetricsError.conflictingRegistration("x_total")) {
            try registry.counter("x_total", help: "X.", labelNames: ["b"])
        }
        #expect(throws: MetricsError.conflictingRegistration("x_total")) {
            try registry.gauge("x_total", help: "X.")
        }
        _ = try registry.histogram("lat", help: "L.")
        #expect(throws: MetricsError.nameCollision("lat_count")) { try registry.gauge("lat_count", help: "") }
        try registry.gaugeFunction("f", help: "") { [] }
        #expect(throws: MetricsError.conflictingRegistration("f")) { try registry.gaugeFunction("f", help: "") { [] } }
    }

    @Test("label sets beyond the bound share one overflow series")
    func overflow() throws {
        let registry = MetricsRegistry(maxLabelSets: 2)
        let family = try registry.counter("peers_total", help: "P.", labelNames: ["kind", "dir"])
        family.labels("a", "in").inc()
        family.labels("b", "in").inc()
        family.labels("c", "in").inc()
        family.labels("d", "out").inc(by: 2)
        family.labels("a", "in").inc()  // existing series keep working
        family.labels("only-one-value").inc()  // wrong arity goes to overflow too
        #expect(family.labels("c", "in") === family.labels("overflow", "overflow"))
        #expect(
            registry.render() == """
                # HELP peers_total P.
                # TYPE peers_total counter
                peers_total{kind="a",dir="in"} 2
                peers_total{kind="b",dir="in"} 1
                peers_total{kind="overflow",dir="overflow"} 4

                """)
    }

    @Test("children are cached per label tuple")
    func caching() throws {
        let family = try MetricsRegistry().gauge("g", help: "", labelNames: ["a"])
        #expect(family.labels("x") === family.labels(["x"]))
        #expect(family.labels("x") !== family.labels("y"))
    }

    @Test("histogram buckets are cumulative and include +Inf")
    func histogramCumulative() throws {
        let registry = MetricsRegistry()
        let family = try registry.histogram("h", help: "", labelNames: ["op"], buckets: [1, 2, 4, .infinity])
        #expect(family.buckets == [1, 2, 4])
        let child = family.labels("read")
        for value in [0.5, 1, 1.5, 2, 3, 4, 5, 100, .nan] { child.observe(value) }
        let snapshot = child.snapshot
        #expect(snapshot.cumulativeCounts == [2, 4, 6, 9])
        #expect(snapshot.count == 9)
        #expect(snapshot.sum.isNaN)
        #expect(registry.render().contains("h_bucket{op=\"read\",le=\"2\"} 4\n"))
        #expect(registry.render().contains("h_bucket{op=\"read\",le=\"+Inf\"} 9\n"))
    }

    @Test("bucket helpers")
    func bucketHelpers() throws {
        #expect(try Histogram.exponentialBuckets(start: 1, factor: 2, count: 4) == [1, 2, 4, 8])
        #expect(try Histogram.linearBuckets(start: 0, width: 0.5, count: 3) == [0, 0.5, 1])
        #expect(throws: MetricsError.self) { try Histogram.exponentialBuckets(start: 0, factor: 2, count: 4) }
        #expect(throws: MetricsError.self) { try Histogram.exponentialBuckets(start: 1, factor: 1, count: 4) }
        #expect(throws: MetricsError.self) { try Histogram.exponentialBuckets(start: 1, factor: 1e300, count: 5) }
        #expect(Histogram.defaultBuckets.first == 0.005 && Histogram.defaultBuckets.last == 10)
    }
}
