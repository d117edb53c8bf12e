import TestSupport
import Testing
import Yamux

@Suite struct YamuxRobustnessTests {
    /// A whole client transcript (open, data, ping, window update, FIN, RST, GoAway).
    static func transcript() throws -> [UInt8] {
        var p = YamuxPair()
        let a = try p.client.openStream()
        let b = try p.client.openStream()
        try p.client.write(a, (0..<70_000).map { UInt8(truncatingIfNeeded: $0) })
        try p.client.ping(now: 0)
        p.pump()
        try p.client.write(b, Array("hello".utf8))
        try p.client.close(a)
        try p.client.reset(b, code: 0x1003)
        p.client.goAway()
        p.pump()
        return p.clientTranscript
    }

    @Test func oneByteDripFeedMatchesWholeDelivery() throws {
        let bytes = try Self.transcript()
        var whole = YamuxSession(role: .server)
        let expected = whole.receive(bytes, now: 0)
        #expect(expected.withoutData.contains(.goAway(.normal)))
        #expect(expected.data(on: 1).count == 70_000)
        var drip = YamuxSession(role: .server)
        var events: [YamuxEvent] = []
        for byte in bytes { events += drip.receive([byte], now: 0) }
        #expect(events.coalesced == expected.coalesced)
        #expect(drip.pendingOutput() == whole.pendingOutput())
    }

    @Test func randomSplitsMatchWholeDelivery() throws {
        let bytes = try Self.transcript()
        var whole = YamuxSession(role: .server)
        let expected = whole.receive(bytes, now: 0).coalesced
        var rng = SeededGenerator.fromEnvironment("yamux random splits")
        for _ in 0..<20 {
            var s = YamuxSession(role: .server)
            var events: [YamuxEvent] = []
            var i = 0
            while i < bytes.count {
                let n = Int.random(in: 1...5000, using: &rng)
                events += s.receive(bytes[i..<min(bytes.count, i + n)], now: 0)
                i += n
            }
            #expect(events.coalesced == expected, "seed \(rng.seed)")
        }
    }

    @Test func randomBytesNeverTrap() {
        var rng = SeededGenerator.fromEnvironment("yamux random bytes")
        for round in 0..<2000 {
            var s = YamuxSession(role: round % 2 == 0 ? .server : .client)
            var input = rng.bytes(maxCount: 256)
            // Bias towards valid headers so the stream paths are reached.
            if round % 3 == 0, input.count >= 12 {
                input[0] = 0
                input[1] %= 4
            }
            _ = s.receive(input, now: UInt64(round))
            _ = s.pendingOutput()
            #expect(s.pendingOutputCount == 0)
        }
    }

    @Test func randomFrameSequencesNeverTrapAndStayBounded() throws {
        var rng = SeededGenerator.fromEnvironment("yamux random frames")
        for round in 0..<300 {
            var s = YamuxSession(role: .server)
            var p = YamuxSession(role: .client)
            for step in 0..<60 {
                var f: [UInt8] = [0, UInt8.random(in: 0...3, using: &rng)]
                f.appendUInt16BE(UInt16.random(in: 0...15, using: &rng))
                f.appendUInt32BE(UInt32.random(in: 0...12, using: &rng))
                let len = UInt32.random(in: 0...300, using: &rng)
                f.appendUInt32BE(len)
                if f[1] == 0 { f += [UInt8](repeating: 0x55, count: Int.random(in: 0...Int(len), using: &rng)) }
                for e in s.receive(f, now: UInt64(step)) {
                    if case .data(let id, let b) = e { s.consumed(id, count: b.count, now: UInt64(step)) }
                }
                if let id = try? p.openStream(), step % 2 == 0 { _ = s.receive(p.pendingOutput(), now: 0); _ = id }
                if let id = s.streamIDs.randomElement(using: &rng) {
                    _ = try? s.write(id, [1, 2, 3])
                    if step % 7 == 0 { try? s.close(id) }
                    if step % 11 == 0 { try? s.reset(id, code: 5) }
                }
                _ = s.pendingOutput()
                #expect(s.streamCount <= s.config.maxStreams)
            }
            _ = round
        }
    }
}
