import Multistream
import Yamux

/// Dispatches Yamux events to the stream states: negotiation of inbound streams, the built-in protocols
/// (`+IdentifyStreams.swift`), and application streams, whose events go to the caller.
extension Libp2pConnection {
    mutating func handle(_ event: YamuxEvent, _ yamux: inout YamuxSession, _ out: inout Output, _ now: UInt64) {
        switch event {
        case .streamOpened(let id):
            streams[id] = .negotiating(MultistreamListener(supported: streamProtocols))
        case .data(let id, let bytes):
            streamData(id, bytes, &yamux, &out, now)
        case .streamClosedByPeer(let id):
            peerFinished(id, &yamux, &out)
        case .streamReset(let id, let code):
            switch streams[id] {
            case .app: out.events.append(.streamReset(id, code: code))
            case .appDialing: out.events.append(.streamOpenFailed(id))
            default: break
            }
            forget(id, &out)
        case .streamRefused:
            out.events.append(.streamRefused(protocol: nil))
        case .goAway:
            out.close = true
        case .sessionFailed(let error):
            out.events.append(.failed("yamux: \(error)"))
            out.close = true
        case .streamAccepted, .pingRTT:
            break
        }
    }

    private mutating func peerFinished(_ id: UInt32, _ yamux: inout YamuxSession, _ out: inout Output) {
        switch streams[id] {
        case .app(var app):
            // The peer's half is done; ours stays open until the caller closes or resets it.
            out.events.append(.streamFinished(id))
            if app.localClosed && app.held.isEmpty {
                forget(id, &out)
            } else {
                app.remoteClosed = true
                streams[id] = .app(app)
            }
        case .appDialing:
            out.events.append(.streamOpenFailed(id))
            forget(id, &out)
            try? yamux.reset(id)
        default:
            builtinFinished(id, &out)
            forget(id, &out)
            try? yamux.close(id)
        }
    }

    /// Forgets a stream; an inbound one stops counting against its protocol's limit, and the end of an application
    /// stream is reported (``ConnectionEvent/streamClosed(_:)``, after its other events).
    mutating func forget(_ id: UInt32, _ out: inout Output) {
        switch streams.removeValue(forKey: id) {
        case .app?, .appDialing?: out.events.append(.streamClosed(id))
        default: break
        }
        blockedWriters.remove(id)
        holdingStreams.remove(id)
        guard let name = inboundProtocolOf.removeValue(forKey: id) else { return }
        let remaining = (openInboundStreams[name] ?? 1) - 1
        openInboundStreams[name] = remaining > 0 ? remaining : nil
        out.events.append(.streamEnded(name))
    }

    /// Stream bytes. Application streams credit them unless paused; everything else consumes them at once.
    mutating func streamData(
        _ id: UInt32, _ bytes: ArraySlice<UInt8>, _ yamux: inout YamuxSession, _ out: inout Output, _ now: UInt64
    ) {
        if case .app(var app) = streams[id] {
            if app.paused {
                app.uncredited += bytes.count
                streams[id] = .app(app)
            } else {
                yamux.consumed(id, count: bytes.count, now: now)
            }
            out.events.append(.streamData(id, bytes))
            return
        }
        if case .appDialing(var dialing) = streams[id], dialing.app.paused {
            // Paused before it opened: what follows the peer's answer is the application's, not credited yet.
            dialing.app.uncredited += bytes.count
            streams[id] = .appDialing(dialing)
        } else {
            yamux.consumed(id, count: bytes.count, now: now)
        }
        if collect(id, bytes, &yamux, &out) { return }
        switch streams[id] {
        case .negotiating(var listener):
            let result = listener.receive(bytes)
            if !result.toSend.isEmpty { _ = try? yamux.write(id, result.toSend) }
            switch result.result {
            case nil:
                streams[id] = .negotiating(listener)
            case .failed:
                forget(id, &out)
                try? yamux.reset(id)
            case .negotiated(let name, let remaining):
                negotiated(id, name, remaining, &yamux, &out, now)
            }
        case .appDialing(var dialing):
            let result = dialing.dialer.receive(bytes)
            switch result.result {
            case nil:
                streams[id] = .appDialing(dialing)
            case .failed:
                out.events.append(.streamOpenFailed(id))
                forget(id, &out)
                try? yamux.reset(id)
            case .negotiated(_, let remaining):
                var app = dialing.app
                let taken = dialing.pending.isEmpty ? 0 : (try? yamux.write(id, dialing.pending)) ?? 0
                if taken < dialing.pending.count {
                    // The session's queues are full (e.g. the socket is backed up): the rest waits its turn.
                    app.held = Array(dialing.pending[taken...])
                    holdingStreams.insert(id)
                } else if app.localClosed {
                    try? yamux.close(id)
                }
                dialing.app = app
                streams[id] = .app(dialing.app)
                out.events.append(.streamOpened(id, protocol: dialing.proto, inbound: false))
                if !remaining.isEmpty { out.events.append(.streamData(id, remaining[...])) }
            }
        default:
            builtinData(id, bytes, &yamux, &out)
        }
    }

    /// An inbound stream negotiated `name`: counted against its limit, then started.
    private mutating func negotiated(
        _ id: UInt32, _ name: String, _ remaining: [UInt8], _ yamux: inout YamuxSession, _ out: inout Output,
        _ now: UInt64
    ) {
        let open = openInboundStreams[name, default: 0]
        guard limits.maxInboundStreamsPerProtocol == 0 || open < limits.maxInboundStreamsPerProtocol else {
            forget(id, &out)
            try? yamux.reset(id)
            out.events.append(.streamRefused(protocol: name))
            return
        }
        openInboundStreams[name] = open + 1
        inboundProtocolOf[id] = name
        out.events.append(.streamProtocol(name))
        if startBuiltin(id, name, &yamux) {
            if !remaining.isEmpty { streamData(id, remaining[...], &yamux, &out, now) }
            return
        }
        streams[id] = .app(AppStream())
        out.events.append(.streamOpened(id, protocol: name, inbound: true))
        if !remaining.isEmpty { out.events.append(.streamData(id, remaining[...])) }
    }
}
