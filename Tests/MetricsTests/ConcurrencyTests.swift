import Dispatch
import Testing

@testable import Metrics

@Suite("Concurrency smoke test")
struct ConcurrencyTests {
    @Test("threads incrementing shared and labelled series lose no updates")
    func parallelIncrements() throws {
        let registry = MetricsRegistry()
        let counter = try registry.counter("c_total", help: "")
        let labelled = try registry.counter("l_total", help: "", labelNames: ["worker"])
        let gauge = try registry.gauge("g", help: "")
        let histogram = try registry.histogram("h", help: "", buckets: [0.5])
        let threads = 8
        let perThread = 20_000
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            let mine = labelled.labels(String(worker % 4))
            for index in 0..<perThread {
                counter.inc()
                mine.inc()
                gauge.inc()
                histogram.observe(index.isMultiple(of: 2) ? 0.25 : 1)
                if index.isMultiple(of: 5000) { _ = registry.render() }
            }
        }
        let total = Double(threads * perThread)
        #expect(counter.labels().value == total)
        #expect(gauge.labels().value == total)
        #expect((0..<4).map { labelled.labels(String($0)).value }.reduce(0, +) == total)
        #expect(histogram.labels().snapshot.cumulativeCounts == [UInt64(total / 2), UInt64(total)])
    }
}
