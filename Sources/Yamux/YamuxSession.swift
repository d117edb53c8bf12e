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

    var streams: [UInt32: YamuxStream] = [:]
    /// Streams that may send (data and window, or a pending FIN), served round-robin from `readyHead`.
    var ready: [UInt32] = []
    var readyHead = 0
    var nextStreamID: UInt32
    var output: [UInt8] = []
    var totalQueued = 0
    /// Outbound streams not yet ACKed by the peer.
    var unacknowledged = 0
    /// Sum of the streams' receive window targets (bounded by `maxSessionReceiveWindow` for auto-tuning).
    var totalReceiveWindow: UInt64 = 0

    // Inbound stream-ID bookkeeping (reuse detection with bounded memory).
    var highestInboundID: UInt32 = 0
    var inboundGaps: Set<UInt32> = []

    // Parser
    var headerBuffer: [UInt8] = []
    var body: Body?

    struct Body {
        var streamID: UInt32
        var remaining: UInt32
        var deliver: Bool
        var finAfter: Bool
    }

    // Pings and RTT
    var outstandingPings: [UInt32: UInt64] = [:]
    var nextPingValue: UInt32 = 0
    var lastKeepAlive: UInt64
    var keepAlivePing: UInt32?
    /// Latest measured round-trip time in nanoseconds, 0 until a ping came back.
    public internal(set) var rtt: UInt64 = 0

    /// While true, queued stream data is not moved into ``pendingOutput()`` (set it while the socket's write queue is
    /// above its high-water mark; clear it when the socket drains). Writes still queue up to the limits.
    public var holdsData = false

    /// Set once a protocol error ended the session.
    public internal(set) var failure: YamuxError?
    public internal(set) var goAwaySent = false
    public internal(set) var goAwayReceived: YamuxGoAwayCode?

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
        return queueRoom(queued: stream.queuedCount)
    }

    /// Room in a stream's send queue holding `queued` bytes: the smaller of its own and the session's.
    private func queueRoom(queued: Int) -> Int {
        max(0, min(config.maxQueuedBytesPerStream - queued, config.maxQueuedBytesTotal - totalQueued))
    }

    // MARK: - Commands

    /// Opens an outbound stream (WindowUpdate SYN, delta 0) and returns its ID.
    public mutating func openStream(now: UInt64 = 0) throws(YamuxError) -> UInt32 {
        guard failure == nil, !goAwaySent else { throw .sessionClosed }
        guard goAwayReceived == nil else { throw .goAwayReceived }
        guard streams.count < config.maxStreams else { throw .tooManyStreams(limit: config.maxStreams) }
        guard unacknowledged < config.maxAckBacklog else {
            throw .tooManyUnacknowledgedStreams(limit: config.maxAckBacklog)
        }
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
        let accepted = min(queueRoom(queued: streams.values[index].queuedCount), rest.count)
        if accepted > 0 {
            streams.values[index].sendQueue.append(rest.prefix(accepted))
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
                min(
                    UInt64(min(grown, config.maxStreamWindow, stream.windowCap)),
                    UInt64(stream.recvWindowTarget) + sessionRoom))
            totalReceiveWindow += UInt64(max(target, stream.recvWindowTarget) - stream.recvWindowTarget)
            stream.recvWindowTarget = max(target, stream.recvWindowTarget)
            delta = stream.recvWindowTarget - stream.recvRemaining - stream.unconsumed
        }
        stream.epochStart = now
        stream.recvRemaining += delta
        emit(YamuxHeader(type: .windowUpdate, streamID: id, length: delta))
    }

    /// Caps the receive window of `id` at `bytes` (at least 1): auto-tuning stops there and credit beyond it is not
    /// granted again. What the peer was granted already (at first the spec's 256 KiB) is used up first, so a paused
    /// stream holds at most the larger of that and the cap. A forwarding service bounds its buffer this way.
    public mutating func capReceiveWindow(_ id: UInt32, at bytes: UInt32) {
        guard let index = streams.index(forKey: id) else { return }
        let cap = max(1, bytes)
        streams.values[index].windowCap = cap
        let target = streams.values[index].recvWindowTarget
        guard target > cap else { return }
        totalReceiveWindow -= UInt64(target - cap)
        streams.values[index].recvWindowTarget = cap
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

    mutating func addStream(_ id: UInt32, outbound: Bool, now: UInt64) {
        streams[id] = YamuxStream(outbound: outbound, now: now)
        totalReceiveWindow += UInt64(YamuxConfig.initialStreamWindow)
        if outbound { unacknowledged += 1 }
    }

    mutating func removeStream(_ id: UInt32) {
        guard let stream = streams.removeValue(forKey: id) else { return }
        totalQueued -= stream.queuedCount
        if !stream.acknowledged { unacknowledged -= 1 }
        totalReceiveWindow -= UInt64(stream.recvWindowTarget)
    }

    // MARK: - Output

    mutating func emit(_ header: YamuxHeader) {
        header.encode(into: &output)
    }

    /// A reply the peer provoked: dropped when the peer is not draining our output.
    mutating func emitReply(_ header: YamuxHeader) {
        guard output.count < config.maxPendingOutputBytes else { return }
        emit(header)
    }

    /// Queues the stream at `index` for `flush` if it can send and is not queued yet.
    mutating func markReady(at index: Dictionary<UInt32, YamuxStream>.Index) {
        guard !streams.values[index].inReady, streams.values[index].canSend else { return }
        streams.values[index].inReady = true
        ready.append(streams.keys[index])
    }

    /// Serves the ready streams one frame each in turn until they are done, out of window, or the output is full.
    mutating func flush() {
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
