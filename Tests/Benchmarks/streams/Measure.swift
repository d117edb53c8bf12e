import Glibc
import MallocCounter

/// What one measured phase cost the process: CPU (getrusage user + sys), allocation calls (MallocCounter) and, at
/// its end, the peak RSS so far (ru_maxrss).
struct Measurement {
    var cpuSeconds: Double
    var wallSeconds: Double
    var allocations: UInt64
    var allocatedBytes: UInt64
    var peakRSSKiB: Int

    /// Runs `body` between two readings; the allocation counter is reset first.
    static func of(_ body: () throws -> Void) rethrows -> Measurement {
        let cpu = Self.cpuSeconds()
        let wall = Self.monotonicSeconds()
        malloc_counter_reset()
        try body()
        let allocations = malloc_counter_calls()
        let allocatedBytes = malloc_counter_bytes()
        return Measurement(
            cpuSeconds: Self.cpuSeconds() - cpu, wallSeconds: Self.monotonicSeconds() - wall,
            allocations: allocations, allocatedBytes: allocatedBytes, peakRSSKiB: Self.peakRSSKiB())
    }

    /// The result line the script reads: `key=value` pairs.
    func line(_ label: String, bytes: Int, extra: String = "") -> String {
        let gib = Double(bytes) / Double(1 << 30)
        let mib = Double(bytes) / Double(1 << 20)
        let fields = [
            "streamsbench \(label)", "bytes=\(bytes)", "cpu_s=\(fmt(cpuSeconds, 4))", "wall_s=\(fmt(wallSeconds, 4))",
            "cpu_s_per_gib=\(fmt(cpuSeconds / gib, 4))", "gb_s_per_core=\(fmt(Double(bytes) / 1e9 / cpuSeconds, 4))",
            "allocs=\(allocations)", "allocs_per_mib=\(fmt(Double(allocations) / mib, 2))",
            "alloc_bytes_per_byte=\(fmt(Double(allocatedBytes) / Double(bytes), 3))",
            "peak_rss_kib=\(peakRSSKiB)",
        ]
        return (fields + (extra.isEmpty ? [] : [extra])).joined(separator: " ")
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return user + system
    }

    /// ru_maxrss: KiB on Linux.
    static func peakRSSKiB() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

func fmt(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "-" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    return "\(rounded)"
}

/// Whether the interposer counts: Swift arrays (swift_slowAlloc → malloc in libswiftCore), an over-aligned Swift
/// allocation (→ posix_memalign), glibc's own internal malloc (strdup) and calloc/realloc called from here.
func mallocCounterSelfCheck() -> String? {
    let n = 100 + CommandLine.arguments.count  // not a constant: the arrays cannot be promoted to the stack
    malloc_counter_reset()
    var kept: [[UInt8]] = []
    kept.reserveCapacity(n)
    for i in 0..<n { kept.append([UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 1000 + i)) }
    let swiftArrays = malloc_counter_calls()
    guard swiftArrays >= UInt64(n), kept.count == n else { return "Swift arrays: \(swiftArrays) calls for \(n)" }

    malloc_counter_reset()
    let aligned = UnsafeMutableRawPointer.allocate(byteCount: 256 + n, alignment: 64)
    aligned.deallocate()
    guard malloc_counter_calls() == 1 else { return "over-aligned allocation: \(malloc_counter_calls()) calls" }

    malloc_counter_reset()
    let copy = strdup(CommandLine.arguments[0])
    free(copy)
    guard malloc_counter_calls() == 1 else { return "strdup: \(malloc_counter_calls()) calls" }

    // The pointers go to malloc_usable_size so the optimizer cannot drop the calls (unused allocations are elided).
    malloc_counter_reset()
    let zeroed = calloc(n, 8)
    var usable = malloc_counter_usable_size(zeroed)
    let grown = realloc(zeroed, 64 * n)
    usable += malloc_counter_usable_size(grown)
    free(grown)
    guard malloc_counter_calls() >= 2, malloc_counter_bytes() >= UInt64(8 * n + 64 * n), usable >= 72 * n else {
        return "calloc + realloc: \(malloc_counter_calls()) calls, \(malloc_counter_bytes()) bytes"
    }
    return nil
}
