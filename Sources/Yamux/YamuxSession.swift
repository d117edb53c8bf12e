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
/// Streams with something to send sit in a ready queue that `pendingOutput` serves one frame per stream in turn, so
/// one bulk stream cannot starve the others. A write into an empty queue with an open window is framed straight into
/// the output (one copy). While ``holdsData`` is set (the transport below is backed up), stream data stays queued;
/// control frames still go out.
public struct YamuxSession: Sendable {
    public let role: YamuxRole
    public let config: YamuxConfig

    private var streams: [UInt32: YamuxStream] = [:]
    /// Streams that may send (data and window, or a pending FIN), served round-robin from `readyHead`.
    private var ready: [UInt32] = []
    private var readyHead = 0
    private var nextStreamID: UInt32
    private var output: [UInt8] = []
    private var totalQueued = 0
    /// Outbound streams not yet ACKed by the peer.
    private var unacknowledged = 0
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

    /// While true, queued stream data is not moved into ``pendingOutput()`` (set it while the socket's write queue is
    /// above its high-water mark; clear it when the socket drains). Writes still queue up to the limits.
    public var holdsData = false

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
    /// Whether ``pendingOutput()`` would move more stream data than it did last time (it moves at most about
    /// ``YamuxConfig/maxPendingOutputBytes`` per call): some stream has data and window, and data is not held.
    public var hasSendableData: Bool { failure == nil && !holdsData && readyHead < ready.count }

    /// How many bytes `write` would accept on `id` now (the smaller of its own and the session's queue room).
    public func writeRoom(of id: UInt32) -> Int? {
        guard let stream = streams[id], !stream.finQueued else { return nil }
        return max(0, min(config.maxQueuedBytesPerStream - stream.queuedCount, config.maxQueuedBytesTotal - totalQueued))
    }

    // MARK: - Commands

    /// Opens an outbound stream (WindowUpdate SYN, delta 0) and returns its ID.
    public mutating func openStream(now: UInt64 = 0) throws(YamuxError) -> UInt32 {
        guard failure == nil, !goAwaySent else { throw .sessionClosed }
        guard goAwayReceived == nil else { throw .goAwayReceived }
        guard streams.count < config.maxStreams else { throw .tooManyStreams(limit: config.maxStreams) }
        guard unacknowledged < config.maxAckBacklog else { throw .tooManyUnacknowledgedStreams(limit: config.maxAckBacklog) }
        let id = nextStreamID
        guard id <= UInt32.max - 2 else { throw .streamIDsExhausted }
        nextStreamID = id + 2
        addStream(id, outbound: true, now: now)
        emit(YamuxHeader(type: .windowUpdate, flags: .syn, streamID: id, length: 0))
        return id
    }

    /// Sends or queues `bytes` on stream `id`; returns how many were accepted (a prefix: fewer when the queue limits
    /// are reached). Into an empty queue with an open window (and room in the output), the bytes are framed at once;
    /// the rest waits in the queue.
    @discardableResult
    public mutating func write(_ id: UInt32, _ bytes: some Collection<UInt8>) throws(YamuxError) -> Int {
        try write(id, ArraySlice(bytes))
    }

    /// ``write(_:_:)`` for an array (no conversion).
    @discardableResult
    public mutating func write(_ id: UInt32, _ bytes: [UInt8]) throws(YamuxError) -> Int {
        try write(id, bytes[...])
    }

    /// ``write(_:_:)`` for a slice, e.g. of a received `.data` event (no conversion).
    @discardableResult
    public mutating func write(_ id: UInt32, _ bytes: ArraySlice<UInt8>) throws(YamuxError) -> Int {
        guard failure == nil else { throw .sessionClosed }
        guard let index = streams.index(forKey: id) else { throw .unknownStream(id) }
        guard !streams.values[index].finQueued else { throw .writeAfterClose(id) }
        var rest = bytes
        var sent = 0
        if streams.values[index].queuedCount == 0, !holdsData {
            while !rest.isEmpty, streams.values[index].sendWindow > 0, output.count < config.maxPendingOutputBytes {
                let n = min(rest.count, Int(streams.values[index].sendWindow), config.maxDataFrameSize)
                emit(YamuxHeader(type: .data, streamID: id, length: UInt32(n)))
                output.append(contentsOf: rest.prefix(n))
                streams.values[index].sendWindow -= UInt32(n)
                rest = rest.dropFirst(n)
                sent += n
            }
        }
        let queued = streams.values[index].queuedCount
        let room = min(config.maxQueuedBytesPerStream - queued, config.maxQueuedBytesTotal - totalQueued)
        let accepted = max(0, min(room, rest.count))
        if accepted > 0 {
            streams.values[index].sendQueue.append(contentsOf: rest.prefix(accepted))
            totalQueued += accepted
            markReady(at: index)
        }
        return sent + accepted
    }

    /// Half-closes stream `id`: FIN goes out after the queued data.
    public mutating func close(_ id: UInt32) throws(YamuxError) {
        guard failure == nil else { throw .sessionClosed }
        guard let index = streams.index(forKey: id) else { throw .unknownStream(id) }
        streams.values[index].finQueued = true
        markReady(at: index)
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
        // The stream is copied out and back (its send queue is only retained, not mutated, so it is not copied).
        guard failure == nil, count > 0, let index = streams.index(forKey: id) else { return }
        var stream = streams.values[index]
        stream.unconsumed -= UInt32(min(UInt64(count), UInt64(stream.unconsumed)))
        defer { streams.values[index] = stream }
        guard !stream.finReceived else { return }
        // Invariant: recvRemaining + unconsumed <= recvWindowTarget (data moves credit into `unconsumed`).
        let used = UInt64(stream.recvRemaining) + UInt64(stream.unconsumed)
        guard used <= UInt64(stream.recvWindowTarget) else { return }
        var delta = stream.recvWindowTarget - UInt32(used)
        guard delta >= stream.recvWindowTarget / 2 else { return }
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

    /// ``pendingOutput()`` into `buffer` (emptied first), whose storage the session keeps for later output: with
    /// two buffers traded back and forth, steady output allocates nothing.
    public mutating func pendingOutput(swappingInto buffer: inout [UInt8]) {
        flush()
        buffer.removeAll(keepingCapacity: true)
        swap(&output, &buffer)
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
        if outbound { unacknowledged += 1 }
    }

    private mutating func removeStream(_ id: UInt32) {
        guard let stream = streams.removeValue(forKey: id) else { return }
        totalQueued -= stream.queuedCount
        if !stream.acknowledged { unacknowledged -= 1 }
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

    /// Queues the stream at `index` for `flush` if it can send and is not queued yet.
    private mutating func markReady(at index: Dictionary<UInt32, YamuxStream>.Index) {
        guard !streams.values[index].inReady, streams.values[index].canSend else { return }
        streams.values[index].inReady = true
        ready.append(streams.keys[index])
    }

    /// Serves the ready streams one frame each in turn until they are done, out of window, or the output is full.
    private mutating func flush() {
        guard failure == nil, !holdsData else { return }
        while readyHead < ready.count, output.count < config.maxPendingOutputBytes {
            let id = ready[readyHead]
            readyHead += 1
            guard let index = streams.index(forKey: id) else { continue }
            streams.values[index].inReady = false
            let sent = streams.values[index].emitFrame(id, into: &output, maxFrame: config.maxDataFrameSize)
            totalQueued -= sent
            if streams.values[index].finSent && streams.values[index].finReceived {
                removeStream(id)
            } else {
                markReady(at: index)
            }
        }
        if readyHead == ready.count {
            ready.removeAll(keepingCapacity: true)
            readyHead = 0
        } else if readyHead > 1024, readyHead > ready.count / 2 {
            ready.removeFirst(readyHead)
            readyHead = 0
        }
    }
}

// MARK: - Input

extension YamuxSession {
    /// Parses received bytes (any split) and returns what happened. After a protocol error the session queues
    /// GoAway(protocol error), reports `.sessionFailed` once, and ignores further input.
    public mutating func receive(_ bytes: some Collection<UInt8>, now: UInt64) -> [YamuxEvent] {
        receive(Array(bytes), now: now)
    }

    /// Parses received bytes; `.data` events are slices of `input` (no copy).
    public mutating func receive(_ input: [UInt8], now: UInt64) -> [YamuxEvent] {
        var events: [YamuxEvent] = []
        var index = 0
        while index < input.count, failure == nil {
            if var current = body {
                let n = min(Int(current.remaining), input.count - index)
                if current.deliver, streams[current.streamID] != nil, n > 0 {
                    events.append(.data(current.streamID, input[index..<(index + n)]))
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
        guard let index = streams.index(forKey: id) else {
            // Unknown or closed stream: drain and ignore (go-yamux), within any window we could have granted.
            if h.type == .data, h.length > config.maxStreamWindow { throw .frameTooLarge(h.length) }
            expectBody(h, deliver: false, finAfter: false)
            return
        }
        if h.flags.contains(.ack), !streams.values[index].acknowledged {
            streams.values[index].acknowledged = true
            unacknowledged -= 1
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
            let (sum, overflow) = streams.values[index].sendWindow.addingReportingOverflow(h.length)
            guard !overflow else { throw .windowOverflow(id) }
            streams.values[index].sendWindow = sum
            markReady(at: index)
            if h.flags.contains(.fin) { peerFinished(id, &events) }
        default:
            let remaining = streams.values[index].recvRemaining
            guard h.length <= remaining else {
                throw .windowExceeded(streamID: id, length: h.length, window: remaining)
            }
            let deliver = !streams.values[index].finReceived
            streams.values[index].recvRemaining -= h.length
            if deliver { streams.values[index].unconsumed += h.length }
            let fin = h.flags.contains(.fin)
            if h.length == 0 {
                if fin { peerFinished(id, &events) }
            } else {
                expectBody(h, deliver: deliver, finAfter: fin)
            }
        }
    }

    private mutating func peerFinished(_ id: UInt32, _ events: inout [YamuxEvent]) {
        guard let index = streams.index(forKey: id), !streams.values[index].finReceived else { return }
        streams.values[index].finReceived = true
        events.append(.streamClosedByPeer(id))
        if streams.values[index].finSent { removeStream(id) }
    }
}
