import Identify
import Libp2pCore
import Multistream
import Noise
import Wire
import Yamux

/// One libp2p connection, inbound or outbound, as a pure state machine (sans-IO): TCP bytes and `now` in; TCP
/// bytes, a close instruction and events out.
///
/// Upgrade: multistream-select `/noise` → Noise XX → multistream-select `/yamux/1.0.0` inside Noise → Yamux →
/// per-stream multistream-select → the protocol: identify (`/ipfs/id/1.0.0`: one length-prefixed message, then
/// FIN), ping (`/ipfs/ping/1.0.0`: echo), identify push (`/ipfs/id/push/1.0.0`: read and reported). The listener
/// side answers; the dialer side proposes (pipelined: `/noise` and Noise message 1 go out together). Once upgraded,
/// either side asks the peer for its identify, and ``pushIdentify(now:)`` sends ours again when it changed. Bytes
/// that arrive behind a negotiation are passed on, never lost.
public struct Libp2pConnection {
    /// Which side of the TCP connection we are.
    public enum Direction: Sendable, Equatable {
        case inbound
        /// We dialed; the Noise handshake fails unless the remote is `expectedPeer`.
        case outbound(expectedPeer: PeerID)
    }

    /// multistream-select on either side.
    private enum Negotiation {
        case listener(MultistreamListener)
        case dialer(MultistreamDialer)

        init(_ direction: Direction, _ proto: String) {
            switch direction {
            case .inbound: self = .listener(MultistreamListener(supported: [proto]))
            case .outbound: self = .dialer(MultistreamDialer(proposals: [proto]))
            }
        }

        /// The dialer's opening bytes (header + proposal); nothing for a listener.
        mutating func start() -> [UInt8] {
            guard case .dialer(var dialer) = self else { return [] }
            let bytes = dialer.start().toSend
            self = .dialer(dialer)
            return bytes
        }

        mutating func receive(_ bytes: [UInt8]) -> MultistreamOutput {
            switch self {
            case .listener(var listener):
                let output = listener.receive(bytes)
                self = .listener(listener)
                return output
            case .dialer(var dialer):
                let output = dialer.receive(bytes)
                self = .dialer(dialer)
                return output
            }
        }
    }

    public struct Output: Sendable {
        public var bytes: [UInt8] = []
        /// Close the TCP connection after writing `bytes`.
        public var close = false
        public var events: [ConnectionEvent] = []

        public init() {}
    }

    private enum Stage {
        case security(Negotiation)
        case handshake(NoiseMachine)
        case muxer(NoiseMachine, Negotiation)
        case muxed(NoiseMachine, YamuxSession)
        /// The muxed state is moved out while it changes (see ``takeMuxed()``).
        case transitioning
        case closed
    }

    private enum StreamState {
        case negotiating(MultistreamListener)
        case ping(PingResponder)
        case push([UInt8])
        /// Our identify request: negotiating, then collecting the peer's message until its FIN.
        case askingIdentify(MultistreamDialer?, [UInt8])
        /// Our identify push: negotiating; the message follows the peer's confirmation, then FIN.
        case pushing(MultistreamDialer)
        /// An application stream we opened, waiting for the peer to accept `proto`; writes wait in `pending`.
        case appDialing(MultistreamDialer, proto: String, pending: [UInt8], closeAfter: Bool)
        /// An application stream (either direction) whose bytes go to the caller; forgotten once both halves closed.
        case app(localClosed: Bool, remoteClosed: Bool)
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
    /// The protocol each open inbound stream negotiated, and how many are open per protocol.
    private var inboundProtocolOf: [UInt32: String] = [:]
    public private(set) var openInboundStreams: [String: Int] = [:]
    private let identify: (PeerID) -> IdentifyMessage
    private let streamProtocols: Set<String>
    private let limits: ConnectionLimits
    public private(set) var remotePeer: PeerID?

    public let direction: Direction

    /// - Parameters:
    ///   - applicationProtocols: further protocols accepted on inbound streams; their streams are handed to the
    ///     caller (``ConnectionEvent/streamOpened(_:protocol:inbound:)`` and the following stream events).
    ///   - noiseIdentity: a Noise static key and signed payload shared by many connections; nil draws a fresh
    ///     static key for this connection.
    ///   - identify: the identify message for this connection (observedAddr set by the caller), given the peer.
    public init(
        direction: Direction = .inbound, identity: Libp2pPrivateKey, noiseIdentity: NoiseLocalIdentity? = nil,
        randomBytes: (Int) -> [UInt8], yamux: YamuxConfig = YamuxConfig(),
        limits: ConnectionLimits = ConnectionLimits(),
        applicationProtocols: Set<String> = [], identify: @escaping (PeerID) -> IdentifyMessage
    ) throws(NoiseError) {
        self.direction = direction
        self.limits = limits
        // Noise keys are drawn now so the machine stays a pure function of its inputs afterwards.
        let local: NoiseLocalIdentity
        if let noiseIdentity {
            local = noiseIdentity
        } else {
            local = try NoiseLocalIdentity(identity: identity, randomBytes: randomBytes)
        }
        var noise: NoiseMachine
        switch direction {
        case .inbound:
            noise = try NoiseMachine(role: .responder, local: local, randomBytes: randomBytes)
        case .outbound(let peer):
            noise = try NoiseMachine(role: .initiator, local: local, expectedRemotePeer: peer, randomBytes: randomBytes)
        }
        noise.maxRSAKeyBits = limits.maxRSAKeyBits
        pendingNoise = noise
        stage = .security(Negotiation(direction, Self.noiseProtocol))
        yamuxConfig = yamux
        self.identify = identify
        streamProtocols = applicationProtocols.union([
            Self.identifyProtocol, Self.identifyPushProtocol, Self.pingProtocol,
        ])
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

    /// Bytes this connection holds for the peer or from it: Yamux send queues and unsent frames, and partial
    /// identify messages being collected. The caller adds its socket's write queue.
    public var bufferedBytes: Int {
        var total = 0
        if case .muxed(_, let yamux) = stage { total += yamux.queuedBytesTotal + yamux.pendingOutputCount }
        for state in streams.values {
            switch state {
            case .push(let buffered), .askingIdentify(_, let buffered), .appDialing(_, _, let buffered, _):
                total += buffered.count
            default: break
            }
        }
        return total
    }

    /// The dialer's first bytes: the `/noise` proposal with Noise message 1 pipelined behind it (nothing inbound).
    public mutating func start() -> Output {
        var out = Output()
        guard case .security(var negotiation) = stage, case .outbound = direction, var noise = pendingNoise else {
            return out
        }
        out.bytes = negotiation.start()
        out.bytes += noise.start().bytesToSend
        pendingNoise = noise
        stage = .security(negotiation)
        return out
    }

    /// TCP bytes arrived.
    public mutating func receive(_ bytes: [UInt8], now: UInt64) -> Output {
        var out = Output()
        var input = bytes
        while !input.isEmpty {
            switch stage {
            case .closed, .transitioning:
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
                    var negotiation = Negotiation(direction, Self.yamuxProtocol)
                    let proposal = negotiation.start()
                    if !proposal.isEmpty {
                        guard let sealed = try? noise.seal(proposal) else { return fail(&out, "noise seal") }
                        out.bytes += sealed
                    }
                    stage = .muxer(noise, negotiation)
                    if !result.decryptedPlaintext.isEmpty { return muxerInput(result.decryptedPlaintext, &out, now) }
                case nil:
                    stage = .handshake(noise)
                }
            case .muxer(var noise, let negotiation):
                let result = noise.receive(input)
                input = []
                if case .failed(let error) = result.event { return fail(&out, "noise: \(error)") }
                stage = .muxer(noise, negotiation)
                return muxerInput(result.decryptedPlaintext, &out, now)
            case .muxed:
                guard var muxed = takeMuxed() else { return out }
                let result = muxed.noise.receive(input)
                input = []
                stage = .muxed(muxed.noise, muxed.yamux)
                if case .failed(let error) = result.event { return fail(&out, "noise: \(error)") }
                return muxerInput(result.decryptedPlaintext, &out, now)
            }
        }
        return out
    }

    /// Plaintext from Noise: muxer negotiation first, then Yamux frames.
    private mutating func muxerInput(_ plaintext: [UInt8], _ out: inout Output, _ now: UInt64) -> Output {
        switch stage {
        case .muxer(let noise, var negotiation):
            let result = negotiation.receive(plaintext)
            var noiseState = noise
            if !result.toSend.isEmpty {
                guard let sealed = try? noiseState.seal(result.toSend) else { return fail(&out, "noise seal") }
                out.bytes += sealed
            }
            switch result.result {
            case nil:
                stage = .muxer(noiseState, negotiation)
                return out
            case .failed(let error):
                return fail(&out, "muxer negotiation: \(error)")
            case .negotiated(_, let remaining):
                var yamux = YamuxSession(role: direction == .inbound ? .server : .client, config: yamuxConfig, now: now)
                if let peer = remotePeer { out.events.append(.upgraded(peer)) }
                if limits.asksIdentify { openStream(&yamux, Self.identifyProtocol) { .askingIdentify($0, []) } }
                stage = .muxed(noiseState, yamux)
                return remaining.isEmpty ? flushYamux(&out) : yamuxInput(remaining, &out, now)
            }
        case .muxed:
            return yamuxInput(plaintext, &out, now)
        default:
            return out
        }
    }

    private mutating func yamuxInput(_ plaintext: [UInt8], _ out: inout Output, _ now: UInt64) -> Output {
        guard var muxed = takeMuxed() else { return out }
        let events = muxed.yamux.receive(plaintext, now: now)
        for event in events { handle(event, &muxed.yamux, &out, now) }
        stage = .muxed(muxed.noise, muxed.yamux)
        return flushYamux(&out)
    }

    /// Moves the muxed state out of `stage` (leaving ``Stage/transitioning``); the caller puts it back. Bound while
    /// `stage` still held it, Yamux's stream table and Noise's buffers would be copied on every change.
    private mutating func takeMuxed() -> (noise: NoiseMachine, yamux: YamuxSession)? {
        guard case .muxed(let noise, let yamux) = stage else { return nil }
        stage = .transitioning
        return (noise, yamux)
    }

    /// Opens a stream proposing `proto`; `state` receives the dialer that waits for the peer's answer. The identify
    /// request's answer becomes ``ConnectionEvent/identified``.
    private mutating func openStream(
        _ yamux: inout YamuxSession, _ proto: String, as state: (MultistreamDialer) -> StreamState
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
        openStream(&muxed.yamux, Self.identifyPushProtocol, as: StreamState.pushing)
        stage = .muxed(muxed.noise, muxed.yamux)
        return flushYamux(&out)
    }

    /// Opens an application stream proposing `proto`. Writes before the peer accepts are held (and count in
    /// ``bufferedBytes``); acceptance is ``ConnectionEvent/streamOpened(_:protocol:inbound:)`` with `inbound` false,
    /// refusal ``ConnectionEvent/streamClosed(_:)``. Returns nil before the upgrade or over the stream limits.
    public mutating func openStream(_ proto: String, now: UInt64) -> (id: UInt32, output: Output)? {
        var out = Output()
        guard var muxed = takeMuxed() else { return nil }
        defer { if case .transitioning = stage { stage = .muxed(muxed.noise, muxed.yamux) } }
        guard let id = try? muxed.yamux.openStream(now: now) else { return nil }
        var dialer = MultistreamDialer(proposals: [proto])
        _ = try? muxed.yamux.write(id, dialer.start().toSend)
        streams[id] = .appDialing(dialer, proto: proto, pending: [], closeAfter: false)
        stage = .muxed(muxed.noise, muxed.yamux)
        if !defersSealing { _ = flushYamux(&out) }
        return (id, out)
    }

    /// While true, ``openStream(_:now:)``, ``write(_:_:output:)``, ``closeStream(_:output:)`` and
    /// ``resetStream(_:output:)`` leave their frames in Yamux; ``flush(output:)`` seals everything at once (one Noise
    /// frame for many answers, e.g. while the caller handles one read).
    public var defersSealing = false

    /// Seals what the stream calls left in Yamux.
    public mutating func flush(output out: inout Output) {
        _ = flushYamux(&out)
    }

    /// Writes on an application stream. Returns false when the stream is not open for writing; when its Yamux send
    /// queue cannot take all of `bytes` (``YamuxConfig/maxQueuedBytesPerStream``) the stream is reset (a partial
    /// message would corrupt it) and false is returned too.
    public mutating func write(_ id: UInt32, _ bytes: [UInt8], output out: inout Output) -> Bool {
        switch streams[id] {
        case .appDialing(let dialer, let proto, var pending, let closeAfter) where !closeAfter:
            guard pending.count + bytes.count <= yamuxConfig.maxQueuedBytesPerStream else { return false }
            streams[id] = nil  // unique `pending` while it grows
            pending += bytes
            streams[id] = .appDialing(dialer, proto: proto, pending: pending, closeAfter: false)
            return true
        case .app(localClosed: false, _):
            guard var muxed = takeMuxed() else { return false }
            let accepted = try? muxed.yamux.write(id, bytes)
            if accepted != bytes.count { try? muxed.yamux.reset(id) }
            stage = .muxed(muxed.noise, muxed.yamux)
            guard accepted == bytes.count else {
                forget(id, &out)
                out.events.append(.streamClosed(id))
                if !defersSealing { _ = flushYamux(&out) }
                return false
            }
            if !defersSealing { _ = flushYamux(&out) }
            return true
        default:
            return false
        }
    }

    /// Half-closes an application stream (FIN after what was written); the peer's half may still send.
    public mutating func closeStream(_ id: UInt32, output out: inout Output) {
        switch streams[id] {
        case .appDialing(let dialer, let proto, let pending, _):
            streams[id] = .appDialing(dialer, proto: proto, pending: pending, closeAfter: true)
        case .app(localClosed: false, let remoteClosed):
            guard var muxed = takeMuxed() else { return }
            try? muxed.yamux.close(id)
            stage = .muxed(muxed.noise, muxed.yamux)
            if remoteClosed {
                forget(id, &out)
            } else {
                streams[id] = .app(localClosed: true, remoteClosed: false)
            }
            if !defersSealing { _ = flushYamux(&out) }
        default:
            break
        }
    }

    /// Resets a stream (both directions end at once).
    public mutating func resetStream(_ id: UInt32, output out: inout Output) {
        guard streams[id] != nil, var muxed = takeMuxed() else { return }
        try? muxed.yamux.reset(id)
        stage = .muxed(muxed.noise, muxed.yamux)
        forget(id, &out)
        if !defersSealing { _ = flushYamux(&out) }
    }

    /// Forgets a stream; an inbound one stops counting against its protocol's limit.
    private mutating func forget(_ id: UInt32, _ out: inout Output) {
        streams[id] = nil
        guard let name = inboundProtocolOf.removeValue(forKey: id) else { return }
        let remaining = (openInboundStreams[name] ?? 1) - 1
        openInboundStreams[name] = remaining > 0 ? remaining : nil
        out.events.append(.streamEnded(name))
    }

    private mutating func handle(_ event: YamuxEvent, _ yamux: inout YamuxSession, _ out: inout Output, _ now: UInt64) {
        switch event {
        case .streamOpened(let id):
            streams[id] = .negotiating(MultistreamListener(supported: streamProtocols))
        case .data(let id, let bytes):
            yamux.consumed(id, count: bytes.count, now: now)
            streamData(id, bytes, &yamux, &out)
        case .streamClosedByPeer(let id):
            if let peer = remotePeer {
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
            if case .app(let localClosed, _) = streams[id] {
                // The peer's half is done; ours stays open until the caller closes or resets it.
                out.events.append(.streamClosed(id))
                if localClosed { forget(id, &out) } else { streams[id] = .app(localClosed: false, remoteClosed: true) }
                return
            }
            if case .appDialing = streams[id] { out.events.append(.streamClosed(id)) }
            forget(id, &out)
            try? yamux.close(id)
        case .streamReset(let id, _):
            switch streams[id] {
            case .app, .appDialing: out.events.append(.streamClosed(id))
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

    private mutating func streamData(_ id: UInt32, _ bytes: [UInt8], _ yamux: inout YamuxSession, _ out: inout Output) {
        if collect(id, bytes, &yamux, &out) { return }
        guard let state = streams[id] else { return }
        switch state {
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
                case Self.identifyPushProtocol:
                    streams[id] = .push([])
                    if !remaining.isEmpty { streamData(id, remaining, &yamux, &out) }
                default:
                    streams[id] = .app(localClosed: false, remoteClosed: false)
                    out.events.append(.streamOpened(id, protocol: name, inbound: true))
                    if !remaining.isEmpty { out.events.append(.streamData(id, remaining)) }
                }
            }
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
                if !remaining.isEmpty { streamData(id, remaining, &yamux, &out) }
            }
        case .askingIdentify(nil, _), .push:
            break  // handled by `collect`
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
        case .appDialing(var dialer, let proto, let pending, let closeAfter):
            let result = dialer.receive(bytes)
            switch result.result {
            case nil:
                streams[id] = .appDialing(dialer, proto: proto, pending: pending, closeAfter: closeAfter)
            case .failed:
                out.events.append(.streamClosed(id))
                forget(id, &out)
                try? yamux.reset(id)
            case .negotiated(_, let remaining):
                streams[id] = .app(localClosed: closeAfter, remoteClosed: false)
                out.events.append(.streamOpened(id, protocol: proto, inbound: false))
                if !pending.isEmpty { _ = try? yamux.write(id, pending) }
                if closeAfter { try? yamux.close(id) }
                if !remaining.isEmpty { out.events.append(.streamData(id, remaining)) }
            }
        case .app:
            out.events.append(.streamData(id, bytes))
        case .done:
            break
        }
    }

    /// Appends to an identify answer or push being collected (bounded); false for other streams. The buffer is taken
    /// out of the stream table while it grows, so appending does not copy it.
    private mutating func collect(_ id: UInt32, _ bytes: [UInt8], _ yamux: inout YamuxSession, _ out: inout Output)
        -> Bool
    {
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

    /// Seals what Yamux wants to send.
    private mutating func flushYamux(_ out: inout Output) -> Output {
        guard var muxed = takeMuxed() else { return out }
        let plaintext = muxed.yamux.pendingOutput()
        if !plaintext.isEmpty {
            guard let sealed = try? muxed.noise.seal(plaintext) else { return fail(&out, "noise seal") }
            out.bytes += sealed
        }
        stage = .muxed(muxed.noise, muxed.yamux)
        return out
    }

    /// Keep-alive and timers of the muxer.
    public mutating func tick(now: UInt64) -> Output {
        var out = Output()
        guard var muxed = takeMuxed() else { return out }
        for event in muxed.yamux.tick(now: now) { handle(event, &muxed.yamux, &out, now) }
        stage = .muxed(muxed.noise, muxed.yamux)
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

/// What a connection reports.
public enum ConnectionEvent: Sendable, Equatable {
    /// Noise finished: the remote is this peer.
    case secured(PeerID)
    /// Yamux is running: the connection is usable.
    case upgraded(PeerID)
    /// An inbound stream negotiated this protocol (it counts as open until ``streamEnded(_:)``).
    case streamProtocol(String)
    /// An inbound stream of this protocol ended (FIN from the peer, reset, or refused after negotiation).
    case streamEnded(String)
    /// An inbound stream was refused: over ``ConnectionLimits/maxInboundStreamsPerProtocol`` for `protocol`, or
    /// (`protocol` nil) over the Yamux stream limit of the connection.
    case streamRefused(protocol: String?)
    /// The peer answered our identify request.
    case identified(PeerID, IdentifyMessage)
    /// The peer pushed its identify state.
    case identifyPushed(PeerID, IdentifyMessage)
    /// Our identify push was accepted and sent.
    case identifyPushSent(PeerID)
    /// An application stream is usable: an inbound one negotiated one of the `applicationProtocols`, or the peer
    /// accepted one we opened with ``Libp2pConnection/openStream(_:now:)``.
    case streamOpened(UInt32, protocol: String, inbound: Bool)
    /// Bytes on an application stream.
    case streamData(UInt32, [UInt8])
    /// The peer finished its half of an application stream (FIN), reset it, or refused to open it. After a FIN the
    /// stream stays writable until ``Libp2pConnection/closeStream(_:output:)``; otherwise it is gone.
    case streamClosed(UInt32)
    /// The connection failed (it closes).
    case failed(String)
}
