/// Which side of the connection this session is: the dialer (client) opens odd stream IDs, the listener even.
public enum YamuxRole: Sendable {
    case client
    case server
}

/// A sans-IO Yamux session (`/yamux/1.0.0`, libp2p-digest §7, go-yamux behaviour).
///
/// Feed received bytes to `receive(_:now:)` and act on the events; issue commands (`openStream`, `write`,
/// `close`, `reset`, `consumed`, `ping`, `goAway`); put `pendingOutput()` on the wire. `now` is a monotonic time in
/// nanoseconds used only for ping RTT and window auto-tuning.
///
/// Flow control: received data is handed out in `.data` events and counts against the stream's receive window until
/// the application calls `consumed`. A window update is sent once at least half the window target is free again.
/// Auto-tuning (go-yamux `sendWindowUpdate`): if that happens less than 4 RTTs after the previous update, the
/// target doubles, up to `maxStreamWindow`. The RTT comes from our own pings, so no ping, no tuning.
///
/// Outbound data waits in a bounded per-stream queue until the peer's window allows it; it never exceeds that window.
public struct YamuxSession: Sendable {
    public let role: YamuxRole
    public let config: YamuxConfig

    private var streams: [UInt32: YamuxStream] = [:]
    private var nextStreamID: UInt32
    private var output: [UInt8] = []
    private var totalQueued = 0
    /// Sum of the streams' receive window targets (bounded by `maxSessionReceiveWindow` for auto-tuning).
    private var totalReceiveWindow: UInt64 = 0

    // Inbound stream-ID bookkeeping (reuse detection with bounded memory).
    private var highestInboundID: UInt32 = 0
    private var inboundGaps: Set<UInt32> = []

    // Parser
    private var headerBuffer: [UInt8] = []
    private var body: Body?

    private struct Body {
        var streamID: UInt32
        var remaining: UInt32
        var deliver: Bool
        var finAfter: Bool
    }

    // Pings and RTT
    private var outstandingPings: [UInt32: UInt64] = [:]
    private var nextPingValue: UInt32 = 0
    private var lastKeepAlive: UInt64
    private var keepAlivePing: UInt32?
    /// Latest measured round-trip time in nanoseconds, 0 until a ping came back.
    public private(set) var rtt: UInt64 = 0

    /// Set once a protocol error ended the session.
    public private(set) var failure: YamuxError?
    public private(set) var goAwaySent = false
    public private(set) var goAwayReceived: YamuxGoAwayCode?

    public init(role: YamuxRole, config: YamuxConfig = YamuxConfig(), now: UInt64 = 0) {
        self.role = role
        self.config = config
        self.lastKeepAlive = now
        self.nextStreamID = role == .client ? 1 : 2
    }

    // MARK: - Introspection

    /// Open streams (including half-closed ones).
    public var streamCount: Int { streams.count }
    /// IDs of open streams, ascending.
    public var streamIDs: [UInt32] { streams.keys.sorted() }
    /// Credit the peer gave us on `id`.
    public func sendWindow(of id: UInt32) -> UInt32? { streams[id]?.sendWindow }
    /// The receive window target of `id` (grows with auto-tuning).
    public func receiveWindow(of id: UInt32) -> UInt32? { streams[id]?.recvWindowTarget }
    /// Bytes written on `id` and not yet sent.
    public func queuedBytes(of id: UInt32) -> Int? { streams[id]?.queuedCount }
    /// Bytes waiting in `pendingOutput` (without flushing queues).
    public var pendingOutputCount: Int { output.count }
    /// Bytes queued by `write` on all streams, waiting for the peer's windows.
    public var queuedBytesTotal: Int { totalQueued }

    // MARK: - Commands

    /// Opens an outbound stream (WindowUpdate SYN, delta 0) and returns its ID.
    public mutating func openStream(now: UInt64 = 0) throws(YamuxError) -> UInt32 {
        guard failure == nil, !goAwaySent else { throw .sessionClosed }
        guard goAwayReceived == nil else { throw .goAwayReceived }
        guard streams.count < config.maxStreams else { throw .tooManyStreams(limit: config.maxStreams) }
        let unacked = streams.values.reduce(0) { $0 + ($1.acknowledged ? 0 : 1) }
        guard unacked < config.maxAckBacklog else { throw .tooManyUnacknowledgedStreams(limit: config.maxAckBacklog) }
        let id = nextStreamID
        guard id <= UInt32.max - 2 else { throw .streamIDsExhausted }
        nextStreamID = id + 2
        addStream(id, outbound: true, now: now)
        emit(YamuxHeader(type: .windowUpdate, flags: .syn, streamID: id, length: 0))
        return id
    }

    /// Queues `bytes` on stream `id`; returns how many were accepted (fewer when the queue limits are reached).
    @discardableResult
    public mutating func write(_ id: UInt32, _ bytes: some Collection<UInt8>) throws(YamuxError) -> Int {
        guard failure == nil else { throw .sessionClosed }
        guard var stream = streams[id] else { throw .unknownStream(id) }
        guard !stream.finQueued else { throw .writeAfterClose(id) }
        let room = min(config.maxQueuedBytesPerStream - stream.queuedCount, config.maxQueuedBytesTotal - totalQueued)
        let accepted = max(0, min(room, bytes.count))
        stream.sendQueue.append(contentsOf: bytes.prefix(accepted))
        totalQueued += accepted
        streams[id] = stream
        return accepted
    }

    /// Half-closes stream `id`: FIN goes out after the queued data.
    public mutating func close(_ id: UInt32) throws(YamuxError) {
        guard failure == nil else { throw .sessionClosed }
        guard streams[id] != nil else { throw .unknownStream(id) }
        streams[id]?.finQueued = true
    }

    /// Resets stream `id` at once (queued data dropped); `code` goes in the RST's Length as go-yamux v5 does.
    public mutating func reset(_ id: UInt32, code: UInt32 = 0) throws(YamuxError) {
        guard failure == nil else { throw .sessionClosed }
        guard streams[id] != nil else { throw .unknownStream(id) }
        removeStream(id)
        emit(YamuxHeader(type: .windowUpdate, flags: .rst, streamID: id, length: code))
    }

    /// The application has taken `count` bytes delivered on `id`: reopen the window (and maybe grow it).
    public mutating func consumed(_ id: UInt32, count: Int, now: UInt64) {
        guard failure == nil, var stream = streams[id], count > 0 else { return }
        stream.unconsumed -= UInt32(min(UInt64(count), UInt64(stream.unconsumed)))
        guard !stream.finReceived else {
            streams[id] = stream
            return
        }
        // Invariant: recvRemaining + unconsumed <= recvWindowTarget (data moves credit into `unconsumed`).
        let used = UInt64(stream.recvRemaining) + UInt64(stream.unconsumed)
        guard used <= UInt64(stream.recvWindowTarget) else {
            streams[id] = stream
            return
        }
        var delta = stream.recvWindowTarget - UInt32(used)
        if delta >= stream.recvWindowTarget / 2 {
            if rtt > 0, now >= stream.epochStart, now - stream.epochStart < rtt &* 4 {
                let grown = stream.recvWindowTarget > UInt32.max / 2 ? UInt32.max : stream.recvWindowTarget * 2
                let cap = UInt64(config.maxSessionReceiveWindow)
                let sessionRoom = cap > totalReceiveWindow ? cap - totalReceiveWindow : 0
                let target = UInt32(
                    min(UInt64(min(grown, config.maxStreamWindow)), UInt64(stream.recvWindowTarget) + sessionRoom))
                totalReceiveWindow += UInt64(max(target, stream.recvWindowTarget) - stream.recvWindowTarget)
                stream.recvWindowTarget = max(target, stream.recvWindowTarget)
                delta = stream.recvWindowTarget - stream.recvRemaining - stream.unconsumed
            }
            stream.epochStart = now
            stream.recvRemaining += delta
            emit(YamuxHeader(type: .windowUpdate, streamID: id, length: delta))
        }
        streams[id] = stream
    }

    /// Sends a ping (SYN) and returns its opaque value; the ACK yields `.pingRTT`.
    @discardableResult
    public mutating func ping(now: UInt64) throws(YamuxError) -> UInt32 {
        guard failure == nil else { throw .sessionClosed }
        guard outstandingPings.count < config.maxOutstandingPings else {
            throw .tooManyOutstandingPings(limit: config.maxOutstandingPings)
        }
        nextPingValue &+= 1
        outstandingPings[nextPingValue] = now
        emit(YamuxHeader(type: .ping, flags: .syn, streamID: 0, length: nextPingValue))
        return nextPingValue
    }

    /// Tells the peer the session ends: no new streams either way; existing ones may finish.
    public mutating func goAway(_ code: YamuxGoAwayCode = .normal) {
        guard failure == nil, !goAwaySent else { return }
        goAwaySent = true
        emit(YamuxHeader(type: .goAway, streamID: 0, length: code.rawValue))
    }

    /// Bytes to write to the connection; moves queued stream data out as the peer's windows allow.
    public mutating func pendingOutput() -> [UInt8] {
        flush()
        defer { output = [] }
        return output
    }

    // MARK: - Keepalive

    /// When `tick(now:)` must next be called (nil: keepalive disabled or session over).
    public var nextDeadline: UInt64? {
        guard failure == nil, config.keepAliveInterval > 0 else { return nil }
        if let value = keepAlivePing, let sent = outstandingPings[value] { return sent &+ config.keepAliveTimeout }
        return lastKeepAlive &+ config.keepAliveInterval
    }

    /// Sends a keepalive ping when one is due (go-yamux: every 30 s) and fails the session when the previous one
    /// went unanswered for `keepAliveTimeout` (GoAway(internal error) is queued, `.sessionFailed` reported).
    public mutating func tick(now: UInt64) -> [YamuxEvent] {
        guard failure == nil, config.keepAliveInterval > 0 else { return [] }
        if let value = keepAlivePing, let sent = outstandingPings[value] {
            guard now >= sent &+ config.keepAliveTimeout else { return [] }
            var events: [YamuxEvent] = []
            fail(.keepAliveTimeout, code: .internalError, &events)
            return events
        }
        if now >= lastKeepAlive &+ config.keepAliveInterval {
            lastKeepAlive = now
            keepAlivePing = try? ping(now: now)
        }
        return []
    }

    // MARK: - Stream table

    private mutating func addStream(_ id: UInt32, outbound: Bool, now: UInt64) {
        streams[id] = YamuxStream(outbound: outbound, now: now)
        totalReceiveWindow += UInt64(YamuxConfig.initialStreamWindow)
    }

    private mutating func removeStream(_ id: UInt32) {
        guard let stream = streams.removeValue(forKey: id) else { return }
        totalQueued -= stream.queuedCount
        totalReceiveWindow -= UInt64(stream.recvWindowTarget)
    }

    // MARK: - Output

    private mutating func emit(_ header: YamuxHeader) {
        header.encode(into: &output)
    }

    /// A reply the peer provoked: dropped when the peer is not draining our output.
    private mutating func emitReply(_ header: YamuxHeader) {
        guard output.count < config.maxPendingOutputBytes else { return }
        emit(header)
    }

    private mutating func flush() {
        guard failure == nil else { return }
        for id in streams.keys.sorted() {
            guard var stream = streams[id] else { continue }
            guard stream.queuedCount > 0 || (stream.finQueued && !stream.finSent) else { continue }
            while stream.queuedCount > 0, stream.sendWindow > 0, output.count < config.maxPendingOutputBytes {
                let n = min(stream.queuedCount, Int(stream.sendWindow), config.maxDataFrameSize)
                let last = n == stream.queuedCount && stream.finQueued
                emit(YamuxHeader(type: .data, flags: last ? .fin : [], streamID: id, length: UInt32(n)))
                output.append(contentsOf: stream.dequeue(n))
                stream.sendWindow -= UInt32(n)
                totalQueued -= n
                if last { stream.finSent = true }
            }
            if stream.queuedCount == 0, stream.finQueued, !stream.finSent {
                emit(YamuxHeader(type: .windowUpdate, flags: .fin, streamID: id, length: 0))
                stream.finSent = true
            }
            streams[id] = stream
            if stream.finSent && stream.finReceived { removeStream(id) }
        }
    }
}

// MARK: - Input

extension YamuxSession {
    /// Parses received bytes (any split) and returns what happened. After a protocol error the session queues
    /// GoAway(protocol error), reports `.sessionFailed` once, and ignores further input.
    public mutating func receive(_ bytes: some Collection<UInt8>, now: UInt64) -> [YamuxEvent] {
        var events: [YamuxEvent] = []
        let input = Array(bytes)
        var index = 0
        while index < input.count, failure == nil {
            if var current = body {
                let n = min(Int(current.remaining), input.count - index)
                if current.deliver, streams[current.streamID] != nil, n > 0 {
                    events.append(.data(current.streamID, Array(input[index..<(index + n)])))
                }
                index += n
                current.remaining -= UInt32(n)
                if current.remaining == 0 {
                    body = nil
                    if current.finAfter { peerFinished(current.streamID, &events) }
                } else {
                    body = current
                }
                continue
            }
            let need = YamuxHeader.size - headerBuffer.count
            let n = min(need, input.count - index)
            headerBuffer.append(contentsOf: input[index..<(index + n)])
            index += n
            guard headerBuffer.count == YamuxHeader.size else { continue }
            let raw = headerBuffer
            headerBuffer.removeAll(keepingCapacity: true)
            do throws(YamuxError) {
                let header = try YamuxHeader.decode(raw)
                try handle(header, now: now, &events)
            } catch {
                fail(error, &events)
            }
        }
        return events
    }

    mutating func fail(
        _ error: YamuxError, code: YamuxGoAwayCode = .protocolError, _ events: inout [YamuxEvent]
    ) {
        guard failure == nil else { return }
        failure = error
        body = nil
        emit(YamuxHeader(type: .goAway, streamID: 0, length: code.rawValue))
        events.append(.sessionFailed(error))
    }

    private mutating func handle(_ h: YamuxHeader, now: UInt64, _ events: inout [YamuxEvent]) throws(YamuxError) {
        switch h.type {
        case .ping:
            if h.flags.contains(.syn) {
                emitReply(YamuxHeader(type: .ping, flags: .ack, streamID: 0, length: h.length))
            } else if h.flags.contains(.ack), let sent = outstandingPings.removeValue(forKey: h.length) {
                rtt = now >= sent ? now - sent : 0
                events.append(.pingRTT(nanoseconds: rtt))
            }
        case .goAway:
            let code = YamuxGoAwayCode(rawValue: h.length)
            goAwayReceived = code
            events.append(.goAway(code))
        case .data, .windowUpdate:
            try handleStreamFrame(h, now: now, &events)
        }
    }

    /// Starts draining (or delivering) the body of a data frame.
    private mutating func expectBody(_ h: YamuxHeader, deliver: Bool, finAfter: Bool) {
        guard h.type == .data, h.length > 0 else { return }
        body = Body(streamID: h.streamID, remaining: h.length, deliver: deliver, finAfter: finAfter)
    }

    private func isPeerParity(_ id: UInt32) -> Bool {
        // The client opens odd IDs; our peer is the other role.
        role == .server ? id % 2 == 1 : id % 2 == 0
    }

    /// Records an inbound SYN's ID; false when it is already used (or too old to tell).
    private mutating func claimInboundID(_ id: UInt32) -> Bool {
        if id > highestInboundID {
            let window = config.streamIDReorderWindow
            let floor = id > window ? id - window : 0
            var gap = max(highestInboundID == 0 ? 1 : highestInboundID + 2, floor)
            if gap % 2 != id % 2 { gap += 1 }
            while gap < id {
                inboundGaps.insert(gap)
                gap += 2
            }
            highestInboundID = id
            if inboundGaps.count > Int(window) {
                inboundGaps = inboundGaps.filter { $0 >= floor }
            }
            return true
        }
        let floor =
            highestInboundID > config.streamIDReorderWindow ? highestInboundID - config.streamIDReorderWindow : 0
        guard id >= floor else { return false }
        return inboundGaps.remove(id) != nil
    }

    private mutating func handleStreamFrame(
        _ h: YamuxHeader, now: UInt64, _ events: inout [YamuxEvent]
    ) throws(YamuxError) {
        let id = h.streamID
        if h.flags.contains(.syn) {
            guard id != 0, isPeerParity(id) else { throw .invalidStreamID(id) }
            guard streams[id] == nil, claimInboundID(id) else { throw .streamIDReused(id) }
            if h.type == .data, h.length > YamuxConfig.initialStreamWindow {
                throw .windowExceeded(streamID: id, length: h.length, window: YamuxConfig.initialStreamWindow)
            }
            if h.flags.contains(.rst) {
                expectBody(h, deliver: false, finAfter: false)
                return
            }
            if goAwaySent || streams.count >= config.maxStreams {
                // Refuse as go-yamux does beyond its limits: RST, drain whatever came with the SYN.
                emitReply(YamuxHeader(type: .windowUpdate, flags: .rst, streamID: id, length: 0))
                expectBody(h, deliver: false, finAfter: false)
                events.append(.streamRefused(id))
                return
            }
            addStream(id, outbound: false, now: now)
            emit(YamuxHeader(type: .windowUpdate, flags: .ack, streamID: id, length: 0))
            events.append(.streamOpened(id))
        }
        guard var stream = streams[id] else {
            // Unknown or closed stream: drain and ignore (go-yamux), within any window we could have granted.
            if h.type == .data, h.length > config.maxStreamWindow { throw .frameTooLarge(h.length) }
            expectBody(h, deliver: false, finAfter: false)
            return
        }
        if h.flags.contains(.ack), !stream.acknowledged {
            stream.acknowledged = true
            events.append(.streamAccepted(id))
        }
        if h.flags.contains(.rst) {
            removeStream(id)
            events.append(.streamReset(id, code: h.type == .windowUpdate ? h.length : 0))
            expectBody(h, deliver: false, finAfter: false)
            return
        }
        switch h.type {
        case .windowUpdate:
            let (sum, overflow) = stream.sendWindow.addingReportingOverflow(h.length)
            guard !overflow else { throw .windowOverflow(id) }
            stream.sendWindow = sum
            streams[id] = stream
            if h.flags.contains(.fin) { peerFinished(id, &events) }
        default:
            guard h.length <= stream.recvRemaining else {
                throw .windowExceeded(streamID: id, length: h.length, window: stream.recvRemaining)
            }
            let deliver = !stream.finReceived
            stream.recvRemaining -= h.length
            if deliver { stream.unconsumed += h.length }
            streams[id] = stream
            let fin = h.flags.contains(.fin)
            if h.length == 0 {
                if fin { peerFinished(id, &events) }
            } else {
                expectBody(h, deliver: deliver, finAfter: fin)
            }
        }
    }

    private mutating func peerFinished(_ id: UInt32, _ events: inout [YamuxEvent]) {
        guard var stream = streams[id], !stream.finReceived else { return }
        stream.finReceived = true
        events.append(.streamClosedByPeer(id))
        streams[id] = stream
        if stream.finSent { removeStream(id) }
    }
}
