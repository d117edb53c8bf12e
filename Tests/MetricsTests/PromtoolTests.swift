import Foundation
import Testing

@testable import Metrics

/// Runs Prometheus' own linter over the rendered text (Debian package `prometheus`).
@Suite("promtool check metrics")
struct PromtoolTests {
    static let promtoolPath = "/usr/bin/promtool"
    static var promtoolAbsent: Bool { !FileManager.default.isExecutableFile(atPath: promtoolPath) }

    @Test(
        "every metric kind with escaped label values passes promtool",
        .disabled(if: promtoolAbsent, "promtool is not installed at /usr/bin/promtool (Debian package prometheus)"))
    func promtoolAcceptsRendering() throws {
        let registry = MetricsRegistry(maxLabelSets: 3)
        let counter = try registry.counter(
            "waystone_test_events_total", help: "Events with a \\ backslash\nand a newline.", labelNames: ["kind"])
        counter.labels("back\\slash").inc()
        counter.labels("quote\"d").inc(by: 2.5)
        counter.labels("new\nline").inc()
        counter.labels("fourth").inc()  // overflow series
        let gauge = try registry.gauge("waystone_test_level", help: "A level.", labelNames: ["a", "b"])
        gauge.labels("x", "y").set(-1.5)
        gauge.labels("x", "z").set(.infinity)
        gauge.labels("nan", "nan").set(.nan)
        let histogram = try registry.histogram(
            "waystone_test_latency_seconds", help: "Latency.", labelNames: ["op"])
        for value in [0.001, 0.2, 3, 42] { histogram.labels("read").observe(value) }
        histogram.labels("wr\"ite").observe(0.01)
        _ = try registry.histogram(
            "waystone_test_sizes_bytes", help: "Sizes.",
            buckets: try Histogram.exponentialBuckets(start: 64, factor: 4, count: 6)
        ).labels()
        try registry.gaugeFunction("process_open_fds", help: "Number of open file descriptors.") {
            [(labels: [], value: 9)]
        }
        try registry.counterFunction("process_cpu_seconds_total", help: "Total user and system CPU time.") {
            [(labels: [], value: 0.125)]
        }

        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("waystone-metrics-\(ProcessInfo.processInfo.processIdentifier).prom")
        try Data(registry.render().utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.promtoolPath)
        process.arguments = ["check", "metrics"]
        process.standardInput = try FileHandle(forReadingFrom: file)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "promtool said: \(text)\n\(registry.render())")
        #expect(text.isEmpty, "promtool said: \(text)")
    }
}
