import Yamux

/// An in-memory client ↔ server pair under a virtual clock.
struct YamuxPair {
    var client = YamuxSession(role: .client)
    var server = YamuxSession(role: .server)
    var clientEvents: [YamuxEvent] = []
    var serverEvents: [YamuxEvent] = []
    /// Every byte the client put on the wire, in order.
    var clientTranscript: [UInt8] = []
    var now: UInt64 = 0
    /// Added to `now` for each leg of a pump (one-way delay).
    var oneWayDelay: UInt64 = 1_000_000
    /// When true, every delivered byte is reported consumed at once (a fast reader).
    var autoConsume = false

    init(clientConfig: YamuxConfig = YamuxConfig(), serverConfig: YamuxConfig = YamuxConfig()) {
        client = YamuxSession(role: .client, config: clientConfig)
        server = YamuxSession(role: .server, config: serverConfig)
    }

    /// Moves bytes both ways until neither side has anything to send.
    mutating func pump(maxRounds: Int = 10_000) {
        for _ in 0..<maxRounds {
            let c = client.pendingOutput()
            let s = server.pendingOutput()
            if c.isEmpty && s.isEmpty { return }
            clientTranscript += c
            now += oneWayDelay
            let se = server.receive(c, now: now)
            serverEvents += se
            let ce = client.receive(s, now: now)
            clientEvents += ce
            if autoConsume {
                for case .data(let id, let bytes) in se { server.consumed(id, count: bytes.count, now: now) }
                for case .data(let id, let bytes) in ce { client.consumed(id, count: bytes.count, now: now) }
            }
        }
    }
}

extension [YamuxEvent] {
    /// Concatenated payload delivered on `id`.
    func data(on id: UInt32) -> [UInt8] {
        var out: [UInt8] = []
        for case .data(let sid, let bytes) in self where sid == id { out += bytes }
        return out
    }

    /// The events with consecutive data chunks of one stream merged (split-independent form).
    var coalesced: [YamuxEvent] {
        var out: [YamuxEvent] = []
        for e in self {
            if case .data(let id, let bytes) = e, case .data(let lastID, let last)? = out.last, lastID == id {
                out[out.count - 1] = .data(id, last + bytes)
            } else {
                out.append(e)
            }
        }
        return out
    }

    var withoutData: [YamuxEvent] {
        filter {
            if case .data = $0 { return false }
            return true
        }
    }
}
