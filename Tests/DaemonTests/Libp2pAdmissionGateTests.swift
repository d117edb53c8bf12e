import Testing

@testable import Daemon

/// The admission gate on virtual time: every `libp2p.limits` refusal, in its order, and the counts it keeps.
@Suite struct Libp2pAdmissionGateTests {
    static func limits(_ change: (inout WaystoneConfig.Libp2pLimits) -> Void) -> WaystoneConfig.Libp2pLimits {
        var limits = WaystoneConfig().libp2p.limits
        change(&limits)
        return limits
    }

    let a: [UInt8] = [192, 0, 2, 1]
    let b: [UInt8] = [192, 0, 2, 2]

    @Test func perIPAndPendingHandshakeCapsFollowOpenAndClose() {
        var gate = Libp2pAdmissionGate(
            limits: Self.limits {
                $0.maxConnectionsPerIP = 2
                $0.maxPendingHandshakes = 3
                $0.newConnectionsPerSecondPerIP = 1000
                $0.newConnectionsBurstPerIP = 1000
            })
        for _ in 0..<2 {
            #expect(gate.refusal(group: a, total: 0, bufferedBytes: 0, now: 0) == nil)
            gate.opened(group: a, inbound: true)
        }
        #expect(gate.refusal(group: a, total: 2, bufferedBytes: 0, now: 0) == "connection_limit_per_ip")
        #expect(gate.refusal(group: b, total: 2, bufferedBytes: 0, now: 0) == nil)
        gate.opened(group: b, inbound: true)
        #expect(gate.pendingHandshakes == 3)
        #expect(gate.refusal(group: [198, 51, 100, 1], total: 3, bufferedBytes: 0, now: 0) == "pending_handshakes")
        gate.upgraded()
        #expect(gate.refusal(group: [198, 51, 100, 1], total: 3, bufferedBytes: 0, now: 0) == nil)
        gate.closed(group: a, handshaking: true)
        #expect(gate.connections(from: a) == 1 && gate.pendingHandshakes == 1)
        #expect(gate.refusal(group: a, total: 2, bufferedBytes: 0, now: 0) == nil)
        // Outbound connections count per IP but never as pending handshakes.
        gate.opened(group: b, inbound: false)
        #expect(gate.connections(from: b) == 2 && gate.pendingHandshakes == 1)
    }

    @Test func totalAndMemoryLimitsComeFirst() {
        var gate = Libp2pAdmissionGate(
            limits: Self.limits {
                $0.maxConnections = 10
                $0.maxBufferedBytes = 1000
            })
        #expect(gate.refusal(group: a, total: 10, bufferedBytes: 0, now: 0) == "connection_limit")
        #expect(gate.refusal(group: a, total: 9, bufferedBytes: 1000, now: 0) == "memory")
        #expect(gate.refusal(group: a, total: 9, bufferedBytes: 999, now: 0) == nil)
    }

    /// New connections per IP: the burst goes at once, then one per 1/rate seconds of virtual time; other IPs are
    /// not charged; a connection refused by another limit does not use up the rate.
    @Test func newConnectionRateRefillsOnVirtualTime() {
        var gate = Libp2pAdmissionGate(
            limits: Self.limits {
                $0.newConnectionsPerSecondPerIP = 2
                $0.newConnectionsBurstPerIP = 3
                $0.maxConnectionsPerIP = 0
                $0.maxPendingHandshakes = 0
            })
        for _ in 0..<3 { #expect(gate.refusal(group: a, total: 0, bufferedBytes: 0, now: 0) == nil) }
        #expect(gate.refusal(group: a, total: 0, bufferedBytes: 0, now: 0) == "rate_limited")
        #expect(gate.refusal(group: b, total: 0, bufferedBytes: 0, now: 0) == nil)
        #expect(gate.refusal(group: a, total: 0, bufferedBytes: 0, now: 400_000_000) == "rate_limited")
        #expect(gate.refusal(group: a, total: 0, bufferedBytes: 0, now: 500_000_000) == nil)
        #expect(gate.refusal(group: a, total: .max, bufferedBytes: 0, now: 1_000_000_000) == "connection_limit")
        #expect(gate.refusal(group: a, total: 0, bufferedBytes: 0, now: 1_000_000_000) == nil)
    }
}
