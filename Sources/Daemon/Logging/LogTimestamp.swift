import WaystoneRuntime

/// RFC 3339 UTC timestamps with millisecond precision, e.g. `2026-11-21T22:08:50.123Z`.
public enum LogTimestamp {
    /// Milliseconds since the Unix epoch from `CLOCK_REALTIME`.
    public static func nowMilliseconds() -> Int64 {
        Int64(EventLoop.wallClockNanoseconds() / 1_000_000)
    }

    /// Formats milliseconds since the epoch (negative values are clamped to the epoch).
    public static func format(milliseconds: Int64) -> String {
        let ms = max(0, milliseconds)
        let seconds = ms / 1000
        let days = seconds / 86_400
        let secondOfDay = seconds % 86_400
        let (year, month, day) = civil(fromDays: days)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
            + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
            + "." + pad(ms % 1000, 3) + "Z"
    }

    /// Howard Hinnant's days-from-epoch to proleptic Gregorian date.
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
