import Limits
import Testing

@Suite struct PerIPRateLimiterTests {
    let second: UInt64 = 1_000_000_000
    let ip: [UInt8] = [203, 0, 113, 7]

    @Test func burstThenLimitedThenRefill() {
        var l = PerIPRateLimiter(requestsPerSecond: 10, burst: 5, penaltyNanoseconds: 0, maxTrackedIPs: 100)
        let t0: UInt64 = 42 * second
        for _ in 0..<5 { #expect(l.admit(ip: ip, now: t0) == .allowed) }
        #expect(l.admit(ip: ip, now: t0) == .limited)
        #expect(l.admit(ip: ip, now: t0 + second / 20) == .limited)  // half a token
        #expect(l.admit(ip: ip, now: t0 + second / 10) == .allowed)  // one token
        #expect(l.admit(ip: ip, now: t0 + second / 10) == .limited)
        for _ in 0..<5 { #expect(l.admit(ip: ip, now: t0 + 10 * second) == .allowed) }  // refilled, capped at burst
        #expect(l.admit(ip: ip, now: t0 + 10 * second) == .limited)
        #expect(l.admit(ip: [203, 0, 113, 8], now: t0) == .allowed)  // other IPs unaffected
    }

    @Test func penaltyBoxEnteredAndLeft() {
        var l = PerIPRateLimiter(requestsPerSecond: 10, burst: 5, penaltyNanoseconds: 30 * second, maxTrackedIPs: 100)
        let t0: UInt64 = 0
        for _ in 0..<5 { #expect(l.admit(ip: ip, now: t0) == .allowed) }
        for _ in 0..<5 { #expect(l.admit(ip: ip, now: t0) == .limited) }
        #expect(l.admit(ip: ip, now: t0) == .penalized)  // more than `burst` refusals within the window
        #expect(l.admit(ip: ip, now: t0 + 29 * second) == .penalized)
        #expect(l.admit(ip: ip, now: t0 + 30 * second + second) == .allowed)
    }

    @Test func tableStaysBoundedAndEvictsStalest() {
        var l = PerIPRateLimiter(requestsPerSecond: 1, burst: 1, penaltyNanoseconds: second, maxTrackedIPs: 1000)
        #expect(l.admit(ip: ip, now: 0) == .allowed)
        #expect(l.admit(ip: ip, now: 0) == .limited)
        for i in 0..<100_000 {
            let v6: [UInt8] =
                [0x20, 0x01] + [UInt8](repeating: 0, count: 10) + withUnsafeBytes(of: UInt32(i).bigEndian, Array.init)
            _ = l.admit(ip: v6, now: UInt64(i) + 1)
            #expect(l.trackedCount <= 1000)
        }
        #expect(l.trackedCount <= 1000)
        // The stalest entry (the first IP) was evicted, so it starts with a full bucket again.
        #expect(l.admit(ip: ip, now: 200_000) == .allowed)
    }

    @Test func zeroRateIsUnlimited() {
        var l = PerIPRateLimiter(requestsPerSecond: 0, burst: 0, penaltyNanoseconds: second, maxTrackedIPs: 10)
        for i in 0..<10_000 { #expect(l.admit(ip: ip, now: UInt64(i)) == .allowed) }
        #expect(l.trackedCount == 0)
    }
}
