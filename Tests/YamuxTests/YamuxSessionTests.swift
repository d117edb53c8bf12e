import Testing
import Yamux

@Suite struct YamuxSessionTests {
    @Test func openDataBothWaysHalfCloseAndFullClose() throws {
        var p = YamuxPair()
        let id = try p.client.openStream()
        #expect(id == 1)
        try p.client.write(id, Array("ping?".utf8))
        p.pump()
        #expect(p.serverEvents == [.streamOpened(1), .data(1, ArraySlice("ping?".utf8))])
        #expect(p.clientEvents == [.streamAccepted(1)])

        try p.server.write(1, Array("pong!".utf8))
        try p.server.close(1)
        p.pump()
        #expect(p.clientEvents.suffix(2) == [.data(1, ArraySlice("pong!".utf8)), .streamClosedByPeer(1)])
        // Half-closed: the client can still send.
        try p.client.write(1, [1, 2, 3])
        try p.client.close(1)
        p.pump()
        #expect(p.serverEvents.suffix(2) == [.data(1, [1, 2, 3]), .streamClosedByPeer(1)])
        #expect(p.client.streamCount == 0)
        #expect(p.server.streamCount == 0)
        #expect(throws: YamuxError.unknownStream(1)) { try p.client.write(1, [0]) }
    }

    @Test func serverOpensEvenStreamsAndWriteAfterCloseIsRefused() throws {
        var p = YamuxPair()
        #expect(try p.server.openStream() == 2)
        #expect(try p.server.openStream() == 4)
        p.pump()
        #expect(p.clientEvents == [.streamOpened(2), .streamOpened(4)])
        try p.server.close(2)
        #expect(throws: YamuxError.writeAfterClose(2)) { try p.server.write(2, [1]) }
    }

    @Test func resetCarriesCodeAndDropsQueuedData() throws {
        var p = YamuxPair()
        let id = try p.client.openStream()
        p.pump()
        p.client.holdsData = true  // keep the data queued (unsent) until the reset
        try p.client.write(id, [UInt8](repeating: 7, count: 1000))
        try p.client.reset(id, code: 0x1001)
        p.pump()
        #expect(p.serverEvents == [.streamOpened(1), .streamReset(1, code: 0x1001)])
        #expect(p.server.streamCount == 0 && p.client.streamCount == 0)
        // Late frames for the reset stream are ignored.
        #expect(p.server.receive([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 9, 9], now: 0) == [])
    }

    @Test func oneMebibyteThroughWindowExhaustionAndUpdates() throws {
        var p = YamuxPair()
        let id = try p.client.openStream()
        let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        #expect(try p.client.write(id, payload) == payload.count)
        p.pump()
        // Slow reader: exactly one initial window arrives, the rest waits in the client's queue.
        #expect(p.serverEvents.data(on: id).count == 262_144)
        #expect(p.client.sendWindow(of: id) == 0)
        #expect(p.client.queuedBytes(of: id) == payload.count - 262_144)
        // Consuming less than half the window sends no update.
        p.server.consumed(id, count: 100_000, now: p.now)
        p.pump()
        #expect(p.serverEvents.data(on: id).count == 262_144)
        p.server.consumed(id, count: 162_144, now: p.now)
        p.autoConsume = true
        p.pump()
        #expect(p.serverEvents.data(on: id) == payload)
        #expect(p.client.queuedBytes(of: id) == 0)
    }

    @Test func neverSendsPastThePeersWindow() throws {
        var client = YamuxSession(role: .client)
        let id = try client.openStream()
        _ = client.pendingOutput()
        try client.write(id, [UInt8](repeating: 1, count: 300_000))
        var out = client.pendingOutput()
        out += client.pendingOutput()
        #expect(out.count == 262_144 + 12 * 4)  // four 64 KiB frames
        #expect(client.pendingOutput().isEmpty)
        #expect(client.receive([0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0x01, 0x00], now: 0) == [])  // +256 bytes
        #expect(client.pendingOutput().count == 12 + 256)
    }

    @Test func windowAutoTunesForAFastReaderAfterAPing() throws {
        var p = YamuxPair()
        p.autoConsume = true
        try p.client.ping(now: p.now)
        let id = try p.server.openStream()
        p.pump()
        #expect(p.clientEvents.contains(.streamOpened(id)))
        try p.server.ping(now: p.now)
        p.pump()
        #expect(p.server.rtt == 2_000_000)
        #expect(p.client.rtt == 2_000_000)
        var sent = 0
        let chunk = [UInt8](repeating: 0xAB, count: 64 * 1024)
        while sent < 8 << 20 {
            sent += try p.server.write(id, chunk)
            p.pump()
        }
        p.pump()
        #expect(p.clientEvents.data(on: id).count == sent)
        // The client pinged too, so its receive window grew beyond 256 KiB, capped at 16 MiB.
        let window = try #require(p.client.receiveWindow(of: id))
        #expect(window > 262_144 && window <= 16 << 20)
    }

    @Test func windowDoesNotGrowWithoutRTT() throws {
        var p = YamuxPair()
        p.autoConsume = true
        let id = try p.server.openStream()
        for _ in 0..<32 {
            try p.server.write(id, [UInt8](repeating: 1, count: 64 * 1024))
            p.pump()
        }
        #expect(p.client.receiveWindow(of: id) == 262_144)
    }

    @Test func pingIsAnsweredAndMeasured() throws {
        var p = YamuxPair()
        p.oneWayDelay = 5_000
        let value = try p.client.ping(now: p.now)
        p.pump()
        #expect(value == 1)
        #expect(p.clientEvents == [.pingRTT(nanoseconds: 10_000)])
        #expect(p.client.rtt == 10_000)
    }

    @Test func goAwayStopsNewStreamsButNotOldOnes() throws {
        var p = YamuxPair()
        let id = try p.client.openStream()
        p.pump()
        p.server.goAway()
        p.pump()
        #expect(p.clientEvents.last == .goAway(.normal))
        #expect(throws: YamuxError.goAwayReceived) { try p.client.openStream() }
        #expect(throws: YamuxError.sessionClosed) { try p.server.openStream() }
        try p.client.write(id, [1, 2])
        p.pump()
        #expect(p.serverEvents.last == .data(id, [1, 2]))
    }
}

@Suite struct YamuxKeepAliveTests {
    @Test func keepAlivePingsAndTimesOut() {
        var client = YamuxSession(role: .client, now: 0)
        #expect(client.nextDeadline == 30_000_000_000)
        #expect(client.tick(now: 29_000_000_000) == [])
        #expect(client.pendingOutput().isEmpty)
        #expect(client.tick(now: 30_000_000_000) == [])
        #expect(client.pendingOutput() == frame(2, 1, 0, 1))
        #expect(client.nextDeadline == 40_000_000_000)
        // Answered: next ping 30 s after the last one.
        #expect(client.receive(frame(2, 2, 0, 1), now: 30_001_000_000) == [.pingRTT(nanoseconds: 1_000_000)])
        #expect(client.nextDeadline == 60_000_000_000)
        _ = client.tick(now: 60_000_000_000)
        _ = client.pendingOutput()
        #expect(client.tick(now: 69_999_999_999) == [])
        #expect(client.tick(now: 70_000_000_000) == [.sessionFailed(.keepAliveTimeout)])
        #expect(client.pendingOutput() == frame(3, 0, 0, 2))
        #expect(client.nextDeadline == nil)
    }

    @Test func sessionReceiveWindowCapLimitsAutoTuning() throws {
        var config = YamuxConfig()
        config.maxSessionReceiveWindow = 600 * 1024
        var p = YamuxPair(clientConfig: config)
        p.autoConsume = true
        try p.client.ping(now: p.now)
        let a = try p.server.openStream()
        let b = try p.server.openStream()
        p.pump()
        for _ in 0..<64 {
            try p.server.write(a, [UInt8](repeating: 1, count: 64 * 1024))
            try p.server.write(b, [UInt8](repeating: 2, count: 64 * 1024))
            p.pump()
        }
        let wa = try #require(p.client.receiveWindow(of: a))
        let wb = try #require(p.client.receiveWindow(of: b))
        #expect(wa + wb <= 600 * 1024)
        #expect(wa + wb > 512 * 1024)
        #expect(p.clientEvents.data(on: a).count == 64 * 64 * 1024)
    }
}
