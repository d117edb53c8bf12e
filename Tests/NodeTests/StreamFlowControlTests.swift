import Foundation
import Node
import TestSupport
import Testing
import Yamux

/// Flow control of application streams between two connection machines in memory: per-stream read pause, partial
/// writes with `streamWritable`, typed stream ends; under whole, byte-by-byte and seeded random delivery.
@Suite struct StreamFlowControlTests {
    static let proto = "/bulk/1"
    static let window = Int(YamuxConfig.initialStreamWindow)

    static func splits(_ label: String) -> [ConnectionPair.Split] {
        [.whole, .random(SeededGenerator.fromEnvironment(label), maxPiece: 3000)]
    }

    /// The payload repeats with a prime period, so a lost, repeated or reordered piece shows.
    static let period = 65521
    static let table: [UInt8] = (0..<(period + 65536)).map { i in
        let n = i % period
        return UInt8(truncatingIfNeeded: n &* 31 &+ n >> 8)
    }

    /// Bytes `offset..<offset+count` of a stream's payload (`salt` tells streams apart).
    static func pattern(_ offset: Int, _ count: Int, salt: UInt8 = 0) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var at = offset
        while out.count < count {
            let start = at % period
            let n = min(count - out.count, 65536)
            out += table[start..<(start + n)]
            at += n
        }
        if salt != 0 { for i in out.indices { out[i] ^= salt } }
        return out
    }

    /// Whether `bytes` are the payload at `offset` (memcmp: the test runs unoptimized).
    static func matches(_ bytes: ArraySlice<UInt8>, at offset: Int) -> Bool {
        guard bytes.count <= 65536 else { return Array(bytes) == pattern(offset, bytes.count) }
        let start = offset % period
        return bytes.withUnsafeBytes { got in
            table.withUnsafeBytes { memcmp(got.baseAddress!, $0.baseAddress! + start, got.count) == 0 }
        }
    }

    /// Writes `pattern` bytes from `sent` up to `total` on `id` until the stream takes less than offered.
    static func fill(
        _ pair: inout ConnectionPair, _ id: UInt32, sent: inout Int, total: Int, salt: UInt8 = 0, chunk: Int = 65536
    ) {
        while sent < total {
            var out = Libp2pConnection.Output()
            let bytes = pattern(sent, min(chunk, total - sent), salt: salt)
            let accepted = pair.dialer.write(id, bytes, output: &out) ?? 0
            pair.send(out, from: .dialer)
            sent += accepted
            if accepted < bytes.count { return }
        }
    }

    /// A paused stream stops its sender after one window while a second stream on the same connection moves 1 MiB;
    /// resuming drains what was held, in order.
    /// Byte by byte: the flowing stream moves 300 kB and the sender's queue bound is 8 KiB, to keep it quick.
    @Test(
        arguments: splits("pause").map { ($0, 1 << 20, 1 << 20) } + [(.pieces(1), 300_000, 8 * 1024)])
    func pausedStreamStopsItsSenderWithinOneWindow(split: ConnectionPair.Split, total: Int, queueBound: Int) throws {
        var yamux = YamuxConfig()
        yamux.maxQueuedBytesPerStream = queueBound
        // As the daemon sizes them: one stream may fill the session's queues; the other must flow anyway.
        yamux.maxQueuedBytesTotal = queueBound
        var pair = try ConnectionPair(applicationProtocols: [Self.proto], dialerYamux: yamux, split: split)
        pair.upgrade()
        let pausedOpened = pair.openStream(Self.proto)
        let paused = try #require(pausedOpened)
        let flowingOpened = pair.openStream(Self.proto)
        let flowing = try #require(flowingOpened)
        pair.listener.pauseReading(paused.remote)
        #expect(pair.listener.isReadingPaused(paused.remote))
        let pausedTotal = Self.window + queueBound + total  // more than one window plus the sender's queue bound
        var sent = (paused: 0, flowing: 0)
        var received: (paused: [UInt8], flowing: [UInt8]) = ([], [])
        var resets = 0
        for _ in 0..<2000 {
            Self.fill(&pair, paused.local, sent: &sent.paused, total: pausedTotal, salt: 1)
            Self.fill(&pair, flowing.local, sent: &sent.flowing, total: total, salt: 2)
            let events = pair.step()
            received.paused += events.listener.data(on: paused.remote)
            received.flowing += events.listener.data(on: flowing.remote)
            resets +=
                (events.dialer + events.listener).filter { if case .streamReset = $0 { true } else { false } }
                .count
            if pair.isQuiet && received.flowing.count == total { break }
        }
        #expect(received.flowing.count == total)
        let flowingIntact = received.flowing == Self.pattern(0, total, salt: 2)
        #expect(flowingIntact)
        #expect(received.paused.count <= Self.window)
        let pausedIntact = received.paused == Self.pattern(0, received.paused.count, salt: 1)
        #expect(pausedIntact)
        #expect(sent.paused < pausedTotal)
        #expect(sent.paused <= Self.window + queueBound)
        // What the sender could not send waits in its bounded queue.
        #expect((pair.dialer.queuedBytes(of: paused.local) ?? 0) <= queueBound)
        #expect(resets == 0)

        var out = Libp2pConnection.Output()
        pair.listener.resumeReading(paused.remote, now: pair.now, output: &out)
        pair.send(out, from: .listener)
        for _ in 0..<5000 where received.paused.count < pausedTotal {
            Self.fill(&pair, paused.local, sent: &sent.paused, total: pausedTotal, salt: 1)
            received.paused += pair.step().listener.data(on: paused.remote)
        }
        let drained = received.paused == Self.pattern(0, pausedTotal, salt: 1)
        #expect(drained)
    }

    /// A write larger than what the window and the queue take is accepted in part; `streamWritable` follows the
    /// peer's window update; nothing is reset and every byte arrives in order.
    /// Byte by byte with a small queue bound (8 KiB) and a payload just over one window, to keep it quick.
    @Test(arguments: splits("partial").map { ($0, 1 << 20, 3 << 20) } + [(.pieces(1), 8 * 1024, window + 40_000)])
    func partialWriteThenWritable(split: ConnectionPair.Split, queueBound: Int, size: Int) throws {
        var yamux = YamuxConfig()
        yamux.maxQueuedBytesPerStream = queueBound
        var pair = try ConnectionPair(applicationProtocols: [Self.proto], dialerYamux: yamux, split: split)
        pair.upgrade()
        let streamOpened = pair.openStream(Self.proto)
        let stream = try #require(streamOpened)
        let payload = Self.pattern(0, size)
        var out = Libp2pConnection.Output()
        let written = pair.dialer.write(stream.local, payload, output: &out)
        let accepted = try #require(written)
        pair.send(out, from: .dialer)
        #expect(accepted > 0 && accepted < payload.count)
        #expect(accepted <= Self.window + queueBound)
        var sent = accepted
        var received: [UInt8] = []
        var writable = 0
        for _ in 0..<5000 where received.count < payload.count {
            let events = pair.step()
            #expect(!(events.dialer + events.listener).contains { if case .streamReset = $0 { true } else { false } })
            received += events.listener.data(on: stream.remote)
            guard events.dialer.contains(.streamWritable(stream.local)) else { continue }
            writable += 1
            var more = Libp2pConnection.Output()
            sent += pair.dialer.write(stream.local, payload[sent...], output: &more) ?? 0
            pair.send(more, from: .dialer)
        }
        #expect(writable > 0)
        #expect(sent == payload.count)
        let intact = received == payload
        #expect(intact)
    }

    /// With an RTT measured (keepalive ping), a consumer that keeps up gets its window grown past the initial one.
    @Test func autoTuningGrowsTheWindowOfAFastConsumer() throws {
        var pair = try ConnectionPair(applicationProtocols: [Self.proto])
        pair.upgrade()
        let streamOpened = pair.openStream(Self.proto)
        let stream = try #require(streamOpened)
        pair.now += YamuxConfig().keepAliveInterval + 1
        pair.send(pair.listener.tick(now: pair.now), from: .listener)
        pair.pump()
        var sent = 0
        var received = 0
        let total = 16 << 20
        for _ in 0..<5000 where received < total {
            Self.fill(&pair, stream.local, sent: &sent, total: total, chunk: 256 * 1024)
            received += pair.step().listener.data(on: stream.remote).count
        }
        #expect(received == total)
        #expect((pair.listener.receiveWindow(of: stream.remote) ?? 0) > YamuxConfig.initialStreamWindow)
    }

    /// The peer's FIN, the peer's reset (with its code) and a refused open are three different events; after a FIN
    /// the stream stays writable.
    @Test(arguments: splits("ends") + [.pieces(1)])
    func finResetAndRefusalAreDistinct(split: ConnectionPair.Split) throws {
        var pair = try ConnectionPair(applicationProtocols: [Self.proto], split: split)
        pair.upgrade()
        let finishedOpened = pair.openStream(Self.proto)
        let finished = try #require(finishedOpened)
        let resetOpened = pair.openStream(Self.proto)
        let reset = try #require(resetOpened)
        var out = Libp2pConnection.Output()
        pair.listener.closeWrite(finished.remote, output: &out)
        pair.listener.resetStream(reset.remote, code: 0x1001, output: &out)
        pair.send(out, from: .listener)
        let refusedOpened = pair.dialer.openStream("/not/spoken", now: pair.now)
        let refused = try #require(refusedOpened)
        pair.send(refused.output, from: .dialer)
        let events = pair.pump().dialer
        #expect(events.contains(.streamFinished(finished.local)))
        #expect(events.contains(.streamReset(reset.local, code: 0x1001)))
        #expect(events.contains(.streamOpenFailed(refused.id)))
        let ends = events.filter {
            switch $0 {
            case .streamFinished, .streamReset, .streamOpenFailed: true
            default: false
            }
        }
        #expect(ends.count == 3)
        // Gone streams are reported once more, after their last event; the finished one is still open.
        for (end, id) in [
            (ConnectionEvent.streamReset(reset.local, code: 0x1001), reset.local),
            (.streamOpenFailed(refused.id), refused.id),
        ] {
            let endAt = try #require(events.firstIndex(of: end))
            #expect(events.lastIndex(of: .streamClosed(id)) ?? -1 > endAt)
            #expect(events.filter { $0 == .streamClosed(id) }.count == 1)
        }
        #expect(!events.contains(.streamClosed(finished.local)))
        // Finished by the peer, still ours to write and close.
        var more = Libp2pConnection.Output()
        #expect(pair.dialer.write(finished.local, [1, 2, 3], output: &more) == 3)
        pair.dialer.closeWrite(finished.local, output: &more)
        #expect(more.events.contains(.streamClosed(finished.local)))  // both halves done
        pair.send(more, from: .dialer)
        let after = pair.pump().listener
        #expect(after.data(on: finished.remote) == [1, 2, 3])
        #expect(after.contains(.streamFinished(finished.remote)))
        #expect(!pair.dialer.hasStream(finished.local) && !pair.listener.hasStream(finished.remote))
        #expect(pair.dialer.write(reset.local, [1], output: &more) == nil)
    }

    /// 64 MiB one way through a consumer that pauses and resumes at random: every byte arrives in order, the sender
    /// never holds more than its queue bound, and a paused stream never gets more than one window.
    @Test func bulkTransferThroughARandomlyPausingConsumer() throws {
        var generator = SeededGenerator.fromEnvironment("bulk")
        var pair = try ConnectionPair(applicationProtocols: [Self.proto])
        pair.upgrade()
        let streamOpened = pair.openStream(Self.proto)
        let stream = try #require(streamOpened)
        let config = YamuxConfig()
        let total = 64 << 20
        var sent = 0
        var received = 0
        var inOrder = true
        var pausedAt: (received: Int, window: Int)?
        var worstPausedDelivery = 0
        for _ in 0..<200_000 where received < total {
            Self.fill(&pair, stream.local, sent: &sent, total: total)
            #expect(pair.dialer.bufferedBytes <= config.maxQueuedBytesPerStream + config.maxPendingOutputBytes)
            for case .streamData(stream.remote, let bytes) in pair.step().listener {
                if inOrder && !Self.matches(bytes, at: received) { inOrder = false }
                received += bytes.count
            }
            if let pause = pausedAt {
                worstPausedDelivery = max(worstPausedDelivery, received - pause.received - pause.window)
                if Int.random(in: 0..<4, using: &generator) == 0 {
                    var out = Libp2pConnection.Output()
                    pair.listener.resumeReading(stream.remote, now: pair.now, output: &out)
                    pair.send(out, from: .listener)
                    pausedAt = nil
                }
            } else if Int.random(in: 0..<8, using: &generator) == 0 {
                pair.listener.pauseReading(stream.remote)
                pausedAt = (received, Int(pair.listener.receiveWindow(of: stream.remote) ?? 0))
            }
        }
        #expect(received == total)
        #expect(inOrder)
        #expect(worstPausedDelivery <= 0)
    }

    /// While the caller's socket is backed up, stream data stays in the bounded Yamux queue (the write is short,
    /// nothing new goes out); unblocking sends what the window allows, and the stream is writable again once the
    /// peer's window updates drained the queue to half.
    @Test func aBlockedTransportHoldsStreamDataInTheQueue() throws {
        var pair = try ConnectionPair(applicationProtocols: [Self.proto])
        pair.upgrade()
        let streamOpened = pair.openStream(Self.proto)
        let stream = try #require(streamOpened)
        var out = Libp2pConnection.Output()
        pair.dialer.setTransportBlocked(true, output: &out)
        let bound = YamuxConfig().maxQueuedBytesPerStream
        let payload = Self.pattern(0, bound + 1000)
        #expect(pair.dialer.write(stream.local, payload, output: &out) == bound)
        #expect(out.bytes.isEmpty && pair.dialer.queuedBytes(of: stream.local) == bound)
        pair.dialer.setTransportBlocked(false, output: &out)
        #expect(out.bytes.count >= Self.window)  // one window's worth went out; the rest waits for the peer's
        pair.send(out, from: .dialer)
        let events = pair.pump()
        #expect(events.dialer.contains(.streamWritable(stream.local)))
        var received = events.listener.data(on: stream.remote)
        var more = Libp2pConnection.Output()
        #expect(pair.dialer.write(stream.local, payload[bound...], output: &more) == 1000)
        pair.send(more, from: .dialer)
        received += pair.pump().listener.data(on: stream.remote)
        let intact = received == payload
        #expect(intact)
    }

    /// Writes made before the peer accepts a stream, when the session's queues are full at that moment: nothing
    /// fails, they wait their turn, and the FIN asked for meanwhile follows them.
    @Test func writesBeforeAcceptanceWaitForQueueRoom() throws {
        var yamux = YamuxConfig()
        yamux.maxQueuedBytesPerStream = 64 * 1024
        yamux.maxQueuedBytesTotal = 64 * 1024
        var pair = try ConnectionPair(applicationProtocols: [Self.proto], dialerYamux: yamux)
        pair.upgrade()
        let hogOpened = pair.openStream(Self.proto)
        let hog = try #require(hogOpened)
        pair.listener.pauseReading(hog.remote)
        var hogSent = 0
        for _ in 0..<50 {
            Self.fill(&pair, hog.local, sent: &hogSent, total: 4 << 20, salt: 3)
            pair.step()
        }
        #expect(pair.dialer.queuedBytes(of: hog.local) == 64 * 1024)  // the session's queues are full
        // The late stream's proposal reaches the listener; before its answer is back, the dialer's socket backs up
        // (so nothing goes out directly) and the dialer writes, then closes.
        let lateOpened = pair.dialer.openStream(Self.proto, now: pair.now)
        let late = try #require(lateOpened)
        pair.send(late.output, from: .dialer)
        let accepted = pair.deliver(to: .listener)
        let remote = try #require(
            accepted.compactMap { event -> UInt32? in
                if case .streamOpened(let id, Self.proto, true) = event { return id }
                return nil
            }.first)
        var out = Libp2pConnection.Output()
        pair.dialer.setTransportBlocked(true, output: &out)
        let early = Self.pattern(0, 32 * 1024, salt: 4)
        #expect(pair.dialer.write(late.id, early, output: &out) == early.count)
        pair.dialer.closeWrite(late.id, output: &out)
        pair.send(out, from: .dialer)
        let opened = pair.deliver(to: .dialer)
        #expect(!opened.contains(.streamOpenFailed(late.id)))
        #expect(opened.contains(.streamOpened(late.id, protocol: Self.proto, inbound: false)))
        #expect(pair.dialer.queuedBytes(of: late.id) == early.count)
        var resumed = Libp2pConnection.Output()
        pair.dialer.setTransportBlocked(false, output: &resumed)
        pair.send(resumed, from: .dialer)
        resumed = Libp2pConnection.Output()
        pair.listener.resumeReading(hog.remote, now: pair.now, output: &resumed)
        pair.send(resumed, from: .listener)
        let events = pair.pump()
        let arrived = events.listener.data(on: remote) == early
        #expect(arrived)
        let finished = events.listener.contains(.streamFinished(remote))
        #expect(finished)
    }

    /// A stream paused before the peer accepted it: what the peer sends once it accepted, right behind its answer
    /// included, stays within one window until the opener resumes.
    @Test func aStreamPausedWhileOpeningGetsOneWindow() throws {
        var pair = try ConnectionPair(applicationProtocols: [Self.proto])
        pair.upgrade()
        let opened = pair.dialer.openStream(Self.proto, now: pair.now)
        let stream = try #require(opened)
        pair.dialer.pauseReading(stream.id)
        pair.send(stream.output, from: .dialer)
        let total = 2 << 20
        var sent = 0
        var remote: UInt32?
        var received: [UInt8] = []
        /// The listener writes until its stream takes less than offered.
        func feed() {
            guard let remote else { return }
            while sent < total {
                var out = Libp2pConnection.Output()
                let chunk = Self.pattern(sent, min(65536, total - sent))
                let accepted = pair.listener.write(remote, chunk, output: &out) ?? 0
                pair.send(out, from: .listener)
                sent += accepted
                if accepted < chunk.count { return }
            }
        }
        for _ in 0..<500 {
            let events = pair.step()
            for case .streamOpened(let id, Self.proto, true) in events.listener { remote = id }
            received += events.dialer.data(on: stream.id)
            feed()
            if pair.isQuiet { break }
        }
        #expect(received.count <= Self.window)
        var out = Libp2pConnection.Output()
        pair.dialer.resumeReading(stream.id, now: pair.now, output: &out)
        pair.send(out, from: .dialer)
        for _ in 0..<2000 where received.count < total {
            let events = pair.step()
            received += events.dialer.data(on: stream.id)
            feed()
        }
        let intact = received == Self.pattern(0, total)
        #expect(intact)
    }

    /// A capped receive window: auto-tuning stops at the cap, and once the initial window is used up a paused stream
    /// gets at most the cap more.
    @Test func aCappedReceiveWindowBoundsWhatAPausedStreamGets() throws {
        var pair = try ConnectionPair(applicationProtocols: [Self.proto])
        pair.upgrade()
        let streamOpened = pair.openStream(Self.proto)
        let stream = try #require(streamOpened)
        let cap: UInt32 = 64 * 1024
        pair.listener.capReceiveWindow(stream.remote, at: cap)
        pair.now += YamuxConfig().keepAliveInterval + 1
        pair.send(pair.listener.tick(now: pair.now), from: .listener)  // an RTT, so auto-tuning would run
        pair.pump()
        let total = 4 << 20
        var sent = 0
        var received = 0
        for _ in 0..<5000 where received < total / 2 {
            Self.fill(&pair, stream.local, sent: &sent, total: total)
            received += pair.step().listener.data(on: stream.remote).count
        }
        #expect((pair.listener.receiveWindow(of: stream.remote) ?? 0) <= cap)
        pair.listener.pauseReading(stream.remote)
        let atPause = received
        for _ in 0..<200 {
            Self.fill(&pair, stream.local, sent: &sent, total: total)
            received += pair.step().listener.data(on: stream.remote).count
        }
        #expect(received - atPause <= Int(cap))
        #expect(sent < total)
    }
}
