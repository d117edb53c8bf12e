import Testing
import Yamux

/// Header bytes for hand-made peer frames.
func frame(_ type: UInt8, _ flags: UInt16, _ id: UInt32, _ length: UInt32, body: [UInt8] = []) -> [UInt8] {
    var out: [UInt8] = [0, type]
    out.appendUInt16BE(flags)
    out.appendUInt32BE(id)
    out.appendUInt32BE(length)
    return out + body
}

private let goAwayProtocolError: [UInt8] = [0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]

@Suite struct YamuxLimitTests {
    @Test func inboundStreamsBeyondTheLimitAreReset() throws {
        var config = YamuxConfig()
        config.maxStreams = 2
        var p = YamuxPair(serverConfig: config)
        for _ in 0..<3 { _ = try p.client.openStream() }
        p.pump()
        #expect(p.serverEvents == [.streamOpened(1), .streamOpened(3), .streamRefused(5)])
        #expect(p.clientEvents == [.streamAccepted(1), .streamAccepted(3), .streamReset(5, code: 0)])
        #expect(p.client.streamCount == 2)
        // After one closes, a new stream fits again.
        try p.client.reset(1)
        _ = try p.client.openStream()
        p.pump()
        #expect(p.serverEvents.last == .streamOpened(7))
    }

    @Test func outboundStreamLimitAndAckBacklog() throws {
        var client = YamuxSession(role: .client)
        for _ in 0..<256 { _ = try client.openStream() }
        #expect(throws: YamuxError.tooManyUnacknowledgedStreams(limit: 256)) { try client.openStream() }
        // ACKs free the backlog.
        _ = client.receive(frame(1, 2, 1, 0) + frame(1, 2, 3, 0), now: 0)
        #expect(try client.openStream() == 513)

        var config = YamuxConfig()
        config.maxStreams = 3
        var small = YamuxSession(role: .server, config: config)
        for _ in 0..<3 { _ = try small.openStream() }
        #expect(throws: YamuxError.tooManyStreams(limit: 3)) { try small.openStream() }
    }

    @Test func dataBeyondTheWindowIsAProtocolError() {
        var server = YamuxSession(role: .server)
        #expect(server.receive(frame(1, 1, 1, 0), now: 0) == [.streamOpened(1)])
        _ = server.pendingOutput()
        let events = server.receive(frame(0, 0, 1, 262_145), now: 0)
        #expect(events == [.sessionFailed(.windowExceeded(streamID: 1, length: 262_145, window: 262_144))])
        #expect(server.pendingOutput() == goAwayProtocolError)
        #expect(server.receive(frame(1, 1, 3, 0), now: 0) == [])
        #expect(throws: YamuxError.sessionClosed) { try server.openStream() }
    }

    @Test func synDataLargerThanTheInitialWindowIsAProtocolError() {
        var server = YamuxSession(role: .server)
        let events = server.receive(frame(0, 1, 1, 262_145), now: 0)
        #expect(events == [.sessionFailed(.windowExceeded(streamID: 1, length: 262_145, window: 262_144))])
    }

    @Test func wrongParityZeroAndReusedIDsAreProtocolErrors() {
        var server = YamuxSession(role: .server)
        #expect(server.receive(frame(1, 1, 2, 0), now: 0) == [.sessionFailed(.invalidStreamID(2))])
        #expect(server.pendingOutput() == goAwayProtocolError)

        var s0 = YamuxSession(role: .server)
        #expect(s0.receive(frame(0, 1, 0, 0), now: 0) == [.sessionFailed(.invalidStreamID(0))])

        var open = YamuxSession(role: .client)
        _ = open.receive(frame(1, 1, 2, 0), now: 0)
        #expect(open.receive(frame(1, 1, 2, 0), now: 0) == [.sessionFailed(.streamIDReused(2))])

        var closed = YamuxSession(role: .server)
        _ = closed.receive(frame(1, 1, 1, 0) + frame(1, 8, 1, 0), now: 0)
        #expect(closed.streamCount == 0)
        #expect(closed.receive(frame(1, 1, 1, 0), now: 0) == [.sessionFailed(.streamIDReused(1))])
    }

    @Test func reorderedSynsAreAcceptedOnceEach() {
        var server = YamuxSession(role: .server)
        let events = server.receive(frame(1, 1, 5, 0) + frame(1, 1, 1, 0) + frame(1, 1, 3, 0), now: 0)
        #expect(events == [.streamOpened(5), .streamOpened(1), .streamOpened(3)])
        #expect(server.receive(frame(1, 1, 3, 0), now: 0) == [.sessionFailed(.streamIDReused(3))])
        // Far beyond the reorder window, old gaps are forgotten: treated as reuse.
        var far = YamuxSession(role: .server)
        _ = far.receive(frame(1, 1, 100_001, 0), now: 0)
        #expect(far.receive(frame(1, 1, 99_999, 0), now: 0) == [.streamOpened(99_999)])
        #expect(far.receive(frame(1, 1, 1, 0), now: 0) == [.sessionFailed(.streamIDReused(1))])
    }

    @Test func windowOverflowIsAProtocolError() {
        var server = YamuxSession(role: .server)
        _ = server.receive(frame(1, 1, 1, 0), now: 0)
        #expect(server.receive(frame(1, 0, 1, UInt32.max), now: 0) == [.sessionFailed(.windowOverflow(1))])
    }

    @Test func unknownStreamFramesAreDrainedAndHugeOnesRefused() {
        var server = YamuxSession(role: .server)
        #expect(server.receive(frame(0, 0, 9, 3, body: [1, 2, 3]) + frame(2, 1, 0, 5), now: 0) == [])
        #expect(server.pendingOutput() == frame(2, 2, 0, 5))
        #expect(server.receive(frame(0, 0, 9, 17 << 20), now: 0) == [.sessionFailed(.frameTooLarge(17 << 20))])
    }

    @Test func writeQueuesAreBounded() throws {
        var config = YamuxConfig()
        config.maxQueuedBytesPerStream = 1000
        config.maxQueuedBytesTotal = 1500
        var client = YamuxSession(role: .client, config: config)
        let a = try client.openStream()
        let b = try client.openStream()
        client.holdsData = true  // the transport is backed up: everything queues
        #expect(try client.write(a, [UInt8](repeating: 0, count: 1200)) == 1000)
        #expect(try client.write(b, [UInt8](repeating: 0, count: 1200)) == 500)
        #expect(client.writeRoom(of: a) == 0 && client.queuedBytesTotal == 1500)
        // Held: only the SYNs go out, the data stays queued.
        #expect(client.pendingOutput().count == 2 * YamuxHeader.size)
        client.holdsData = false
        #expect(client.pendingOutput().count == 1500 + 2 * YamuxHeader.size)
        #expect(client.queuedBytesTotal == 0 && client.writeRoom(of: a) == 1000)
    }

    /// A write into an empty queue with an open window is framed at once (no queueing); what exceeds the window
    /// queues up to the per-stream bound; the rest is not taken.
    @Test func writesGoStraightOutWhileTheWindowIsOpen() throws {
        var config = YamuxConfig()
        config.maxQueuedBytesPerStream = 1000
        var p = YamuxPair(clientConfig: config)
        let id = try p.client.openStream()
        p.pump()
        let window = Int(YamuxConfig.initialStreamWindow)
        #expect(try p.client.write(id, [UInt8](repeating: 1, count: 70_000)) == 70_000)
        #expect(p.client.queuedBytes(of: id) == 0)
        let rest = window - 70_000
        #expect(try p.client.write(id, [UInt8](repeating: 2, count: rest + 5000)) == rest + 1000)
        #expect(p.client.queuedBytes(of: id) == 1000 && p.client.sendWindow(of: id) == 0)
        p.pump()  // the server does not consume: its window stays closed
        #expect(p.serverEvents.data(on: id).count == window)
        #expect(p.client.queuedBytes(of: id) == 1000)
    }

    @Test func pingFloodFromAPeerThatDoesNotReadStaysBounded() {
        var config = YamuxConfig()
        config.maxPendingOutputBytes = 1200
        var server = YamuxSession(role: .server, config: config)
        var flood: [UInt8] = []
        for i in 0..<10_000 { flood += frame(2, 1, 0, UInt32(i)) }
        _ = server.receive(flood, now: 0)
        #expect(server.pendingOutputCount <= 1200 + 12)
    }
}
