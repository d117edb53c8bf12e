import Yamux

/// Yamux: the frame header codec and the session state machine.
public enum YamuxHarness {
    static let config: YamuxConfig = {
        var config = YamuxConfig()
        config.maxStreams = 8
        config.maxAckBacklog = 4
        config.maxDataFrameSize = 512
        config.maxQueuedBytesPerStream = 2048
        config.maxQueuedBytesTotal = 4096
        config.maxPendingOutputBytes = 1024
        config.maxOutstandingPings = 2
        config.keepAliveInterval = 1_000_000
        config.keepAliveTimeout = 500_000
        config.streamIDReorderWindow = 16
        return config
    }()

    /// `YamuxHeader.decode`: a decoded header re-encodes to the first 12 input bytes; then a server `YamuxSession`
    /// (small limits) fed the input in random splits (seeded by its first byte), echoing every `.data` and
    /// consuming it, ticking its keepalive and draining its output every other chunk: it never traps, its pending
    /// output stays within `maxPendingOutputBytes` plus one header per received header, streams within
    /// `maxStreams`, delivered data within the bytes fed, and nothing is reported after `.sessionFailed`. The
    /// transport is held back (`holdsData`) now and then: no stream data moves while held, writes stay within the
    /// queue room plus the send window, queues within their bounds.
    public static func session(_ bytes: [UInt8], check: FuzzCheck) {
        if let header = try? YamuxHeader.decode(bytes) {
            check(header.encoded == Array(bytes.prefix(YamuxHeader.size)), "header re-encodes differently")
            check((try? YamuxHeader.decode(header.encoded)) == header, "header re-decodes differently")
        }

        var session = YamuxSession(role: .server, config: config, now: 0)
        var now: UInt64 = 0
        var fed = 0
        var delivered = 0
        var failed = false
        var swapBuffer: [UInt8] = []
        for (index, chunk) in Chunks.split(bytes, maxChunk: 40).enumerated() {
            now += 100_000
            if index % 7 == 3 { session.holdsData.toggle() }
            if session.holdsData { check(!session.hasSendableData, "sendable data while held") }
            let before = session.pendingOutputCount
            let events = session.receive(chunk, now: now)
            fed += chunk.count
            if failed { check(events.isEmpty, "events after sessionFailed: \(events)") }
            let bound = max(before, config.maxPendingOutputBytes) + YamuxHeader.size * (chunk.count / 12 + 2)
            check(
                session.pendingOutputCount <= bound,
                "pending output \(session.pendingOutputCount) > \(bound) after a \(chunk.count)-byte chunk")
            check(session.streamCount <= config.maxStreams, "\(session.streamCount) streams > maxStreams")
            for event in events {
                switch event {
                case .data(let id, let data):
                    delivered += data.count
                    check(!data.isEmpty, "empty data event")
                    if index % 3 == 0 {
                        let room = (session.writeRoom(of: id) ?? 0) + Int(session.sendWindow(of: id) ?? 0)
                        let accepted = (try? session.write(id, data)) ?? 0
                        check(accepted <= min(room, data.count), "write took \(accepted) with room \(room)")
                    }
                    session.consumed(id, count: data.count, now: now)
                case .sessionFailed:
                    check(!failed, "sessionFailed reported twice")
                    failed = true
                case .streamClosedByPeer(let id):
                    if index % 2 == 0 { try? session.close(id) }
                default:
                    break
                }
            }
            check(delivered <= fed, "delivered \(delivered) bytes of \(fed) fed")
            check(session.queuedBytesTotal <= config.maxQueuedBytesTotal, "queued \(session.queuedBytesTotal)")
            if failed { check(session.failure != nil, "sessionFailed without a failure") }
            if index % 5 == 4 { _ = session.tick(now: now) }
            if index % 2 == 1 {
                let held = session.holdsData
                let queued = session.queuedBytesTotal
                var out = session.pendingOutput()
                if index % 4 == 3 {
                    session.pendingOutput(swappingInto: &swapBuffer)
                    out += swapBuffer
                }
                if held { check(session.queuedBytesTotal == queued, "data moved while held") }
                check(
                    out.count <= bound + config.maxQueuedBytesTotal + YamuxHeader.size * (config.maxStreams + 1),
                    "drained \(out.count) bytes")
                check(session.pendingOutputCount == 0, "output left after pendingOutput()")
            }
        }
    }
}
