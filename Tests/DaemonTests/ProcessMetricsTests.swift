import Metrics
import Testing

@testable import Daemon

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct ProcessMetricsTests {
    /// Fields 3...24 of proc(5), with utime 250, stime 50, starttime 1000, vsize 123456789, rss 2048 pages.
    static let tail =
        "S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 1000 123456789 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"

    func parse(_ text: String, ticks: Double = 100) -> ProcessMetrics.Stat? {
        ProcessMetrics.parseStat(text, ticksPerSecond: ticks, pageSize: 4096, bootTimeSeconds: 1_700_000_000)
    }

    @Test func commandNameWithSpacesAndParenthesesIsSkipped() throws {
        let stat = try #require(parse("1234 (a) b) c) " + Self.tail))
        #expect(
            stat
                == ProcessMetrics.Stat(
                    cpuSeconds: 3.0, virtualMemoryBytes: 123_456_789, residentMemoryBytes: 2048 * 4096,
                    startTimeSeconds: 1_700_000_010))
    }

    @Test func plainCommandName() throws {
        let stat = try #require(parse("42 (waystone) " + Self.tail, ticks: 250))
        #expect(stat.cpuSeconds == 300.0 / 250)
        #expect(stat.startTimeSeconds == 1_700_000_000 + 1000.0 / 250)
        #expect(stat.residentMemoryBytes == 2048 * 4096)
        #expect(stat.virtualMemoryBytes == 123_456_789)
    }

    @Test(arguments: [
        "",
        "1234",
        "1234 waystone S 1 2 3",
        "1234 (waystone) S 1 1234 1234 0 -1 4194560 100 0 0 0 250",  // ends before stime
        "1234 (waystone) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 1000 123456789",  // no rss
        "1234 (waystone) S 1 1234 1234 0 -1 4194560 100 0 0 0 abc 50 0 0 20 0 1 0 1000 123456789 2048",
        "1234 (waystone) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 x 123456789 2048",
    ])
    func malformedLinesAreNil(_ line: String) {
        #expect(parse(line) == nil)
    }

    @Test func zeroTicksPerSecondIsNil() {
        #expect(parse("1 (x) " + Self.tail, ticks: 0) == nil)
    }

    @Test func realProcSelfStatParses() throws {
        let stat = try #require(ProcessMetrics.readStat())
        #expect(stat.residentMemoryBytes > 0)
        #expect(stat.virtualMemoryBytes >= stat.residentMemoryBytes)
        #expect(stat.cpuSeconds >= 0)
        let now = Double(time(nil))
        #expect(stat.startTimeSeconds <= now + 1)
        #expect(stat.startTimeSeconds > now - 86_400)
    }

    @Test func registerRendersAllSixProcessMetrics() throws {
        let registry = MetricsRegistry()
        try ProcessMetrics.register(in: registry)
        let text = registry.render()
        let names = [
            "process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
            "process_start_time_seconds", "process_open_fds", "process_max_fds",
        ]
        for name in names {
            #expect(text.contains("# TYPE \(name) "), "\(name) missing")
            #expect(sampleValue(text, name) != nil, "\(name) has no sample")
        }
        #expect(text.contains("# TYPE process_cpu_seconds_total counter"))
        #expect(text.contains("# TYPE process_open_fds gauge"))
        #expect(try #require(sampleValue(text, "process_cpu_seconds_total")) >= 0)
        #expect(try #require(sampleValue(text, "process_resident_memory_bytes")) > 0)
        #expect(try #require(sampleValue(text, "process_virtual_memory_bytes")) > 0)
        let openFDs = try #require(sampleValue(text, "process_open_fds"))
        let maxFDs = try #require(sampleValue(text, "process_max_fds"))
        #expect(openFDs >= 3)  // at least stdin, stdout, stderr
        #expect(maxFDs > 0)
        #expect(maxFDs >= openFDs)
        let start = try #require(sampleValue(text, "process_start_time_seconds"))
        let now = Double(time(nil))
        #expect(start <= now + 1)
        #expect(start > now - 86_400)
        // Registering twice in one registry is a conflict (function families are registered once).
        #expect(throws: MetricsError.self) { try ProcessMetrics.register(in: registry) }
    }

    @Test func openFileDescriptorsCountsNewDescriptors() throws {
        let before = try #require(ProcessMetrics.openFileDescriptors())
        var fds: [Int32] = []
        for _ in 0..<5 { fds.append(open("/dev/null", O_RDONLY | O_CLOEXEC)) }
        defer { for fd in fds { close(fd) } }
        let during = try #require(ProcessMetrics.openFileDescriptors())
        // Other tests open and close descriptors concurrently, so only a loose bound holds.
        #expect(during >= 5)
        #expect(before >= 0)
    }
}
