import Metrics

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The standard `process_*` metrics, read from `/proc/self` at scrape time (the names and meanings of the
/// Prometheus client libraries, so existing dashboards and alerts work).
enum ProcessMetrics {
    /// A reading of `/proc/self/stat` (see proc(5)).
    struct Stat: Equatable {
        var cpuSeconds: Double
        var virtualMemoryBytes: Double
        var residentMemoryBytes: Double
        /// Process start, seconds since the Unix epoch.
        var startTimeSeconds: Double
    }

    static func register(in registry: MetricsRegistry) throws(MetricsError) {
        try registry.counterFunction(
            "process_cpu_seconds_total", help: "Total user and system CPU time spent in seconds."
        ) { readStat().map { [(labels: [], value: $0.cpuSeconds)] } ?? [] }
        try registry.gaugeFunction("process_resident_memory_bytes", help: "Resident memory size in bytes.") {
            readStat().map { [(labels: [], value: $0.residentMemoryBytes)] } ?? []
        }
        try registry.gaugeFunction("process_virtual_memory_bytes", help: "Virtual memory size in bytes.") {
            readStat().map { [(labels: [], value: $0.virtualMemoryBytes)] } ?? []
        }
        let start = readStat()?.startTimeSeconds ?? Double(time(nil))
        try registry.gaugeFunction(
            "process_start_time_seconds", help: "Start time of the process since unix epoch in seconds."
        ) { [(labels: [], value: start)] }
        try registry.gaugeFunction("process_open_fds", help: "Number of open file descriptors.") {
            openFileDescriptors().map { [(labels: [], value: Double($0))] } ?? []
        }
        try registry.gaugeFunction("process_max_fds", help: "Maximum number of open file descriptors.") {
            var limit = rlimit()
            guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return [] }
            return [(labels: [], value: limit.rlim_cur == rlim_t.max ? Double.infinity : Double(limit.rlim_cur))]
        }
    }

    static func readStat() -> Stat? {
        guard let text = readSmallFile("/proc/self/stat"), let bootTime = bootTimeSeconds() else { return nil }
        return parseStat(
            text, ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))), pageSize: Double(sysconf(Int32(_SC_PAGESIZE))),
            bootTimeSeconds: bootTime)
    }

    /// Parses `/proc/self/stat`. The command name (field 2) may contain spaces and parentheses, so fields are
    /// counted from the last `)`.
    static func parseStat(_ text: String, ticksPerSecond: Double, pageSize: Double, bootTimeSeconds: Double) -> Stat? {
        guard ticksPerSecond > 0, let close = text.lastIndex(of: ")") else { return nil }
        // After ")": field 3 (state) is index 0, so field N is index N - 3.
        let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        func field(_ number: Int) -> Double? {
            let index = number - 3
            guard index >= 0, index < fields.count else { return nil }
            return Double(fields[index])
        }
        guard let utime = field(14), let stime = field(15), let start = field(22), let vsize = field(23),
            let rss = field(24)
        else { return nil }
        return Stat(
            cpuSeconds: (utime + stime) / ticksPerSecond, virtualMemoryBytes: vsize,
            residentMemoryBytes: rss * pageSize,
            startTimeSeconds: bootTimeSeconds + start / ticksPerSecond)
    }

    /// `btime` from `/proc/stat`: boot time, seconds since the Unix epoch.
    static func bootTimeSeconds() -> Double? {
        guard let text = readSmallFile("/proc/stat") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingPrefix(" "))
        }
        return nil
    }

    static func openFileDescriptors() -> Int? {
        guard let dir = opendir("/proc/self/fd") else { return nil }
        defer { closedir(dir) }
        var count = 0
        while let entry = readdir(dir) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in
                name[0] == UInt8(ascii: ".") && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
            }
            if !isDot { count += 1 }
        }
        return max(0, count - 1)  // the directory stream's own descriptor
    }

    /// Reads a /proc file (at most 64 KiB) as text.
    private static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var used = 0
        while used < buffer.count {
            let n = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return read(fd, base + used, raw.count - used)
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            used += n
        }
        return String(decoding: buffer[0..<used], as: UTF8.self)
    }
}
