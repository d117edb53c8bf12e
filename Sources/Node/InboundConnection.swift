import Identify
import Libp2pCore
import Multistream
import Noise
import Wire
import Yamux

/// One inbound libp2p connection as a pure state machine (sans-IO): TCP bytes and `now` in; TCP bytes, a close
/// instruction and events out.
///
/// Upgrade: multistream-select `/noise` → Noise XX (responder) → multistream-select `/yamux/1.0.0` inside Noise →
/// Yamux (server) → per-stream multistream-select → the protocol: identify (`/ipfs/id/1.0.0`: one length-prefixed
/// message, then FIN), ping (`/ipfs/ping/1.0.0`: echo), identify push (`/ipfs/id/push/1.0.0`: read and applied).
/// Bytes that arrive behind a negotiation are passed on, never lost.
public struct InboundConnection {
    public struct Output: Sendable {
        public var bytes: [UInt8] = []
        /// Close the TCP connection after writing `bytes`.
        public var close = false
        public var events: [InboundConnectionEvent] = []
    }

    private enum Stage {
        case security(MultistreamListener)
        case handshake(NoiseMachine)
        case muxer(NoiseMachine, MultistreamListener)
        case muxed(NoiseMachine, YamuxSession)
        case closed
    }

    private enum StreamState {
        case negotiating(MultistreamListener)
        case ping(PingResponder)
        case push([UInt8])
        case done
    }

    public static let noiseProtocol = "/noise"
    public static let yamuxProtocol = "/yamux/1.0.0"
    public static let identifyProtocol = "/ipfs/id/1.0.0"
    public static let identifyPushProtocol = "/ipfs/id/push/1.0.0"
    public static let pingProtocol = "/ipfs/ping/1.0.0"
    /// The largest identify push read (go: 8 KiB per message).
    public static let maxPushBytes = 8 * 1024

    private var stage: Stage
    private var streams: [UInt32: StreamState] = [:]
    private let identify: (PeerID) -> IdentifyMessage
    private let streamProtocols: Set<String>
    public private(set) var remotePeer: PeerID?

    /// - Parameters:
    ///   - identify: the identify message for this connection (observedAddr set by the caller), given the peer.
    public init(
        identity: Libp2pPrivateKey, randomBytes: (Int) -> [UInt8], yamux: YamuxConfig = YamuxConfig(),
        identify: @escaping (PeerID) -> IdentifyMessage
    ) throws(NoiseError) {
        // Noise keys are drawn now so the machine stays a pure function of its inputs afterwards.
        let noise = try NoiseMachine(role: .responder, identity: identity, randomBytes: randomBytes)
        stage = .security(MultistreamListener(supported: [Self.noiseProtocol]))
        pendingNoise = noise
        yamuxConfig = yamux
        self.identify = identify
        streamProtocols = [Self.identifyProtocol, Self.identifyPushProtocol, Self.pingProtocol]
    }

    private var pendingNoise: NoiseMachine?
    private let yamuxConfig: YamuxConfig

    /// Whether the connection finished (failed or closed).
    public var isClosed: Bool {
        if case .closed = stage { return true }
        return false
    }

    /// Open Yamux streams.
    public var streamCount: Int { streams.count }

    /// TCP bytes arrived.
    public mutating func receive(_ bytes: [UInt8], now: UInt64) -> Output {
        var out = Output()
        var input = bytes
        while !input.isEmpty {
            switch stage {
            case .closed:
                return out
            case .security(var listener):
                let result = listener.receive(input)
                out.bytes += result.toSend
                input = []
                switch result.result {
                case nil:
                    stage = .security(listener)
                case .failed(let error):
                    return fail(&out, "security negotiation: \(error)")
                case .negotiated(_, let remaining):
                    guard let noise = pendingNoise else { return fail(&out, "no noise state") }
                    pendingNoise = nil
                    stage = .handshake(noise)
                    input = remaining
                }
            case .handshake(var noise):
                let result = noise.receive(input)
                input = []
                out.bytes += result.bytesToSend
                switch result.event {
                case .failed(let error):
                    return fail(&out, "noise: \(error)")
                case .handshakeComplete(let peer):
                    remotePeer = peer
                    out.events.append(.secured(peer))
                    stage = .muxer(noise, MultistreamListener(supported: [Self.yamuxProtocol]))
                    if !result.decryptedPlaintext.isEmpty { return muxerInput(result.decryptedPlaintext, &out, now) }
                case nil:
                    stage = .handshake(noise)
                }
            case .muxer(var noise, let listener):
                let result = noise.receive(input)
                input = []
                if case .failed(let error) = result.event { return fail(&out, "noise: \(error)") }
                stage = .muxer(noise, listener)
                return muxerInput(result.decryptedPlaintext, &out, now)
            case .muxed(var noise, let yamux):
                let result = noise.receive(input)
                input = []
                if case .failed(let error) = result.event { return fail(&out, "noise: \(error)") }
                stage = .muxed(noise, yamux)
                return muxerInput(result.decryptedPlaintext, &out, now)
            }
        }
        return out
    }

    /// Plaintext from Noise: muxer negotiation first, then Yamux frames.
    private mutating func muxerInput(_ plaintext: [UInt8], _ out: inout Output, _ now: UInt64) -> Output {
        switch stage {
        case .muxer(let noise, var listener):
            let result = listener.receive(plaintext)
            var noiseState = noise
            if !result.toSend.isEmpty {
                guard let sealed = try? noiseState.seal(result.toSend) else { return fail(&out, "noise seal") }
                out.bytes += sealed
            }
            switch result.result {
            case nil:
                stage = .muxer(noiseState, listener)
                return out
            case .failed(let error):
                return fail(&out, "muxer negotiation: \(error)")
            case .negotiated(_, let remaining):
                stage = .muxed(noiseState, YamuxSession(role: .server, config: yamuxConfig, now: now))
                if let peer = remotePeer { out.events.append(.upgraded(peer)) }
                return remaining.isEmpty ? flushYamux(&out) : yamuxInput(remaining, &out, now)
            }
        case .muxed:
            return yamuxInput(plaintext, &out, now)
        default:
            return out
        }
    }

    private mutating func yamuxInput(_ plaintext: [UInt8], _ out: inout Output, _ now: UInt64) -> Output {
        guard case .muxed(let noise, var yamux) = stage else { return out }
        let events = yamux.receive(plaintext, now: now)
        for event in events { handle(event, &yamux, &out, now) }
        stage = .muxed(noise, yamux)
        if case .closed = stage { return out }
        return flushYamux(&out)
    }

    private mutating func handle(_ event: YamuxEvent, _ yamux: inout YamuxSession, _ out: inout Output, _ now: UInt64) {
        switch event {
        case .streamOpened(let id):
            streams[id] = .negotiating(MultistreamListener(supported: streamProtocols))
        case .data(let id, let bytes):
            yamux.consumed(id, count: bytes.count, now: now)
            streamData(id, bytes, &yamux, &out)
        case .streamClosedByPeer(let id):
            if case .push(let buffered) = streams[id], let peer = remotePeer,
                let message = try? IdentifyMessage(bytes: Self.unframe(buffered))
            {
                out.events.append(.identifyPushed(peer, message))
            }
            streams[id] = nil
            try? yamux.close(id)
        case .streamReset(let id, _):
            streams[id] = nil
        case .goAway:
            out.close = true
        case .sessionFailed(let error):
            out.events.append(.failed("yamux: \(error)"))
            out.close = true
        case .streamAccepted, .pingRTT:
            break
        }
    }

    private mutating func streamData(_ id: UInt32, _ bytes: [UInt8], _ yamux: inout YamuxSession, _ out: inout Output) {
        guard let state = streams[id] else { return }
        switch state {
        case .negotiating(var listener):
            let result = listener.receive(bytes)
            if !result.toSend.isEmpty { _ = try? yamux.write(id, result.toSend) }
            switch result.result {
            case nil:
                streams[id] = .negotiating(listener)
            case .failed:
                streams[id] = nil
                try? yamux.reset(id)
            case .negotiated(let name, let remaining):
                out.events.append(.streamProtocol(name))
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
                    if !remaining.isEmpty { streamData(id, remaining, &yamux, &out) }
                default:
                    streams[id] = .push([])
                    if !remaining.isEmpty { streamData(id, remaining, &yamux, &out) }
                }
            }
        case .ping(var responder):
            let echo = responder.receive(bytes)
            streams[id] = .ping(responder)
            if !echo.isEmpty { _ = try? yamux.write(id, echo) }
        case .push(var buffered):
            guard buffered.count + bytes.count <= Self.maxPushBytes + 8 else {
                streams[id] = nil
                try? yamux.reset(id)
                return
            }
            buffered += bytes
            streams[id] = .push(buffered)
        case .done:
            break
        }
    }

    /// Seals what Yamux wants to send.
    private mutating func flushYamux(_ out: inout Output) -> Output {
        guard case .muxed(var noise, var yamux) = stage else { return out }
        let plaintext = yamux.pendingOutput()
        if !plaintext.isEmpty {
            guard let sealed = try? noise.seal(plaintext) else { return fail(&out, "noise seal") }
            out.bytes += sealed
        }
        stage = .muxed(noise, yamux)
        return out
    }

    /// Keep-alive and timers of the muxer.
    public mutating func tick(now: UInt64) -> Output {
        var out = Output()
        guard case .muxed(let noise, var yamux) = stage else { return out }
        for event in yamux.tick(now: now) { handle(event, &yamux, &out, now) }
        stage = .muxed(noise, yamux)
        return flushYamux(&out)
    }

    /// When ``tick(now:)`` is next due.
    public var nextDeadline: UInt64? {
        if case .muxed(_, let yamux) = stage { return yamux.nextDeadline }
        return nil
    }

    private mutating func fail(_ out: inout Output, _ reason: String) -> Output {
        stage = .closed
        out.close = true
        out.events.append(.failed(reason))
        return out
    }

    /// The message of a uvarint-length-prefixed frame (identify push); empty when malformed.
    static func unframe(_ bytes: [UInt8]) -> [UInt8] {
        guard let (length, used) = try? UVarint.decode(prefixOf: bytes), Int(exactly: length) == bytes.count - used
        else { return [] }
        return Array(bytes[used...])
    }
}

/// What an inbound connection reports.
public enum InboundConnectionEvent: Sendable, Equatable {
    /// Noise finished: the remote is this peer.
    case secured(PeerID)
    /// Yamux is running: the connection is usable.
    case upgraded(PeerID)
    /// A stream negotiated this protocol.
    case streamProtocol(String)
    /// The peer pushed its identify state.
    case identifyPushed(PeerID, IdentifyMessage)
    /// The connection failed (it closes).
    case failed(String)
}
