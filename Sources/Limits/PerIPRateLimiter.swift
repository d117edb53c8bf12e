/// The verdict on one request.
public enum RateLimitAdmission: Sendable, Hashable {
    case allowed
    /// Over the token bucket (STUN counts it as `rate_limited`).
    case limited
    /// In the penalty box (STUN counts it as `penalized`).
    case penalized
}

/// Per-source-IP token bucket with a penalty box. Pure: the caller passes `now` (nanoseconds, monotonic). The table
/// is bounded by `maxTrackedIPs`; when full, the stalest eighth is evicted. `requestsPerSecond <= 0` = unlimited.
///
/// An IP that is refused more than `burst` times within one window (the time to refill a full bucket, at least one
/// second) is penalized for `penaltyNanoseconds`: everything it sends is dropped without touching its bucket.
public struct PerIPRateLimiter: Sendable {
    public typealias Admission = RateLimitAdmission

    struct Key: Hashable, Sendable {
        var high: UInt64
        var low: UInt64
        var isIPv6: Bool

        init(_ ip: [UInt8]) {
            var h: UInt64 = 0
            var l: UInt64 = 0
            for (i, b) in ip.prefix(16).enumerated() {
                if i < 8 { h = h << 8 | UInt64(b) } else { l = l << 8 | UInt64(b) }
            }
            high = h
            low = l
            isIPv6 = ip.count > 4
        }
    }

    struct Entry: Sendable {
        var tokens: Double
        var lastRefill: UInt64
        var lastSeen: UInt64
        var strikes: Double
        var strikeWindowStart: UInt64
        var penaltyUntil: UInt64
    }

    public let requestsPerSecond: Double
    public let burst: Double
    public let penaltyNanoseconds: UInt64
    public let maxTrackedIPs: Int
    private let windowNanoseconds: UInt64
    private var table: [Key: Entry] = [:]

    public init(requestsPerSecond: Double, burst: Double, penaltyNanoseconds: UInt64, maxTrackedIPs: Int) {
        self.requestsPerSecond = requestsPerSecond.isFinite ? requestsPerSecond : 0
        self.burst = burst.isFinite ? max(burst, 1) : 1
        self.penaltyNanoseconds = penaltyNanoseconds
        self.maxTrackedIPs = max(maxTrackedIPs, 1)
        let refill = self.requestsPerSecond > 0 ? self.burst / self.requestsPerSecond : 1
        windowNanoseconds = UInt64(min(max(refill, 1), 86_400) * 1e9)
    }

    /// How many IPs are tracked.
    public var trackedCount: Int { table.count }

    public var isUnlimited: Bool { requestsPerSecond <= 0 }

    /// Decides one request from `ip` (4 or 16 bytes) at `now`.
    public mutating func admit(ip: [UInt8], now: UInt64) -> Admission {
        guard !isUnlimited else { return .allowed }
        let key = Key(ip)
        if table[key] == nil {
            if table.count >= maxTrackedIPs { evictStalest() }
            table[key] = Entry(
                tokens: burst, lastRefill: now, lastSeen: now, strikes: 0, strikeWindowStart: now, penaltyUntil: 0)
        }
        return admit(key: key, now: now)
    }

    private mutating func admit(key: Key, now: UInt64) -> Admission {
        guard var e = table[key] else { return .allowed }
        defer { table[key] = e }
        e.lastSeen = max(e.lastSeen, now)
        if now < e.penaltyUntil { return .penalized }
        if now > e.lastRefill {
            let elapsed = Double(now - e.lastRefill) / 1e9
            e.tokens = min(burst, e.tokens + elapsed * requestsPerSecond)
            e.lastRefill = now
        }
        if e.tokens >= 1 {
            e.tokens -= 1
            return .allowed
        }
        if now &- e.strikeWindowStart > windowNanoseconds || now < e.strikeWindowStart {
            e.strikes = 0
            e.strikeWindowStart = now
        }
        e.strikes += 1
        if e.strikes > burst && penaltyNanoseconds > 0 {
            let (until, overflow) = now.addingReportingOverflow(penaltyNanoseconds)
            e.penaltyUntil = overflow ? .max : until
            e.strikes = 0
            e.strikeWindowStart = now
            e.tokens = 0
            e.lastRefill = e.penaltyUntil
            return .penalized
        }
        return .limited
    }

    /// Removes the least recently seen eighth of the table (at least one entry).
    private mutating func evictStalest() {
        let count = max(1, table.count / 8)
        let stalest = table.sorted { $0.value.lastSeen < $1.value.lastSeen }.prefix(count)
        for (key, _) in stalest { table.removeValue(forKey: key) }
    }
}
