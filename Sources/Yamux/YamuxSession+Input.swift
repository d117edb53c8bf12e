import Wire

/// The receive side of ``YamuxSession``: the frame parser and what each frame does to the session and its streams.
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
            // A header that lies whole in the input is decoded there; only one split across reads is gathered.
            let raw: ArraySlice<UInt8>
            if headerBuffer.isEmpty && input.count - index >= YamuxHeader.size {
                raw = input[index..<(index + YamuxHeader.size)]
                index += YamuxHeader.size
            } else {
                let n = min(YamuxHeader.size - headerBuffer.count, input.count - index)
                headerBuffer.append(contentsOf: input[index..<(index + n)])
                index += n
                guard headerBuffer.count == YamuxHeader.size else { continue }
                raw = headerBuffer[...]
                headerBuffer.removeAll(keepingCapacity: true)
            }
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
