import Identify
import Multistream
import Wire
import Yamux

/// The built-in stream protocols: identify (answering and asking), identify push (receiving and sending), ping.
extension Libp2pConnection {
    /// Opens a stream proposing `proto`; `state` receives the dialer that waits for the peer's answer. The identify
    /// request's answer becomes ``ConnectionEvent/identified``.
    mutating func openStream(
        _ yamux: inout YamuxSession, _ proto: String, as state: (MultistreamDialer) -> ConnectionStreamState
    ) {
        guard let id = try? yamux.openStream() else { return }
        var dialer = MultistreamDialer(proposals: [proto])
        _ = try? yamux.write(id, dialer.start().toSend)
        streams[id] = state(dialer)
    }

    /// Sends our identify again on a new `/ipfs/id/push/1.0.0` stream (after our addresses changed). The message is
    /// taken from the `identify` closure when the peer accepts the protocol; a peer that refuses it gets nothing.
    public mutating func pushIdentify(now: UInt64) -> Output {
        var out = Output()
        guard var muxed = takeMuxed() else { return out }
        openStream(&muxed.yamux, Self.identifyPushProtocol, as: ConnectionStreamState.pushing)
        restore(consume muxed)
        return flushYamux(&out)
    }

    /// Starts an inbound stream of a built-in protocol; false for an application protocol.
    mutating func startBuiltin(_ id: UInt32, _ name: String, _ yamux: inout YamuxSession) -> Bool {
        switch name {
        case Self.identifyProtocol:
            if let peer = remotePeer {
                var framed: [UInt8] = []
                framed.appendLengthPrefixed(identify(peer).bytes)
                _ = try? yamux.write(id, framed)
            }
            try? yamux.close(id)
            streams[id] = .done
        case Self.pingProtocol:
            streams[id] = .ping(PingResponder())
        case Self.identifyPushProtocol:
            streams[id] = .push([])
        default:
            return false
        }
        return true
    }

    /// Bytes on a built-in protocol's stream (already credited).
    mutating func builtinData(
        _ id: UInt32, _ bytes: ArraySlice<UInt8>, _ yamux: inout YamuxSession, _ out: inout Output
    ) {
        switch streams[id] {
        case .ping(var responder):
            let echo = responder.receive(bytes)
            streams[id] = .ping(responder)
            if !echo.isEmpty { _ = try? yamux.write(id, echo) }
        case .askingIdentify(var dialer?, let buffered):
            let result = dialer.receive(bytes)
            switch result.result {
            case nil: streams[id] = .askingIdentify(dialer, buffered)
            case .failed:
                forget(id, &out)
                try? yamux.reset(id)
            case .negotiated(_, let remaining):
                streams[id] = .askingIdentify(nil, [])
                try? yamux.close(id)  // our side is done: the request is the stream itself
                if !remaining.isEmpty { _ = collect(id, remaining[...], &yamux, &out) }
            }
        case .pushing(var dialer):
            let result = dialer.receive(bytes)
            switch result.result {
            case nil:
                streams[id] = .pushing(dialer)
            case .failed:
                forget(id, &out)
                try? yamux.reset(id)
            case .negotiated:
                if let peer = remotePeer {
                    var framed: [UInt8] = []
                    framed.appendLengthPrefixed(identify(peer).bytes)
                    _ = try? yamux.write(id, framed)
                    out.events.append(.identifyPushSent(peer))
                }
                try? yamux.close(id)
                streams[id] = .done
            }
        default:
            break  // .done; identify answers and pushes are collected before
        }
    }

    /// The peer's FIN on a built-in stream: a collected identify answer or push is complete.
    func builtinFinished(_ id: UInt32, _ out: inout Output) {
        guard let peer = remotePeer else { return }
        switch streams[id] {
        case .push(let buffered):
            if let message = try? IdentifyMessage(bytes: Self.unframe(buffered)) {
                out.events.append(.identifyPushed(peer, message))
            }
        case .askingIdentify(nil, let buffered):
            if let message = try? IdentifyMessage(bytes: Self.unframe(buffered)) {
                out.events.append(.identified(peer, message))
            }
        default:
            break
        }
    }

    /// Appends to an identify answer or push being collected (bounded); false for other streams. The buffer is taken
    /// out of the stream table while it grows, so appending does not copy it.
    mutating func collect(
        _ id: UInt32, _ bytes: ArraySlice<UInt8>, _ yamux: inout YamuxSession, _ out: inout Output
    ) -> Bool {
        let isPush: Bool
        var buffered: [UInt8]
        switch streams.removeValue(forKey: id) {
        case .push(let collected)?:
            isPush = true
            buffered = collected
        case .askingIdentify(nil, let collected)?:
            isPush = false
            buffered = collected
        case let other?:
            streams[id] = other
            return false
        case nil:
            return false
        }
        guard buffered.count + bytes.count <= Self.maxPushBytes + 8 else {
            forget(id, &out)
            try? yamux.reset(id)
            return true
        }
        buffered += bytes
        streams[id] = isPush ? .push(buffered) : .askingIdentify(nil, buffered)
        return true
    }

    /// The message of a uvarint-length-prefixed frame (identify push); empty when malformed.
    static func unframe(_ bytes: [UInt8]) -> [UInt8] {
        guard let (length, used) = try? UVarint.decode(prefixOf: bytes), Int(exactly: length) == bytes.count - used
        else { return [] }
        return Array(bytes[used...])
    }
}
