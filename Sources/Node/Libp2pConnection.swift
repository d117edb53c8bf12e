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
/// FIN), ping (`/ipfs/ping/1.0.0`: echo), identify push (`/ipfs/id/push/1.0.0`: read and reported), or an
/// application protocol handed to the caller (`+AppStreams.swift`: flow control, typed stream ends). The listener
/// side answers; the dialer side proposes (pipelined: `/noise` and Noise message 1 go out together). Once upgraded,
/// either side asks the peer for its identify, and ``pushIdentify(now:)`` sends ours again when it changed. Bytes
/// that arrive behind a negotiation are passed on, never lost.
///
/// This file holds the upgrade stages; `+StreamRouter.swift` dispatches Yamux events to the stream states,
/// `+IdentifyStreams.swift` runs the built-in protocols.
public struct Libp2pConnection {
    /// Which side of the TCP connection we are.
    public enum Direction: Sendable, Equatable {
        case inbound
        /// We dialed; the Noise handshake fails unless the remote is `expectedPeer`.
        case outbound(expectedPeer: PeerID)
    }

    public struct Output: Sendable {
        public var bytes: [UInt8] = []
        /// Close the TCP connection after writing `bytes`.
        public var close = false
        public var events: [ConnectionEvent] = []

        public init() {}
    }

    enum Stage {
        case security(ConnectionNegotiation)
        case handshake(NoiseMachine)
        case muxer(NoiseMachine, ConnectionNegotiation)
        case muxed(NoiseMachine, YamuxSession)
        /// The muxed state is moved out while it changes (see ``takeMuxed()``).
        case transitioning
        case closed
    }

    public static let noiseProtocol = "/noise"
    public static let yamuxProtocol = "/yamux/1.0.0"
    public static let identifyProtocol = "/ipfs/id/1.0.0"
    public static let identifyPushProtocol = "/ipfs/id/push/1.0.0"
    public static let pingProtocol = "/ipfs/ping/1.0.0"
    /// The largest identify push read (go: 8 KiB per message).
    public static let maxPushBytes = 8 * 1024

    var stage: Stage
    var streams: [UInt32: ConnectionStreamState] = [:]
    /// The protocol each open inbound stream negotiated, and how many are open per protocol.
    var inboundProtocolOf: [UInt32: String] = [:]
    public internal(set) var openInboundStreams: [String: Int] = [:]
    /// Application streams that accepted less than offered and wait for ``ConnectionEvent/streamWritable(_:)``.
    var blockedWriters: Set<UInt32> = []
    /// Application streams with ``AppStream/held`` bytes to move into Yamux.
    var holdingStreams: Set<UInt32> = []
    let identify: (PeerID) -> IdentifyMessage
    let streamProtocols: Set<String>
    let limits: ConnectionLimits
    public internal(set) var remotePeer: PeerID?
    var pendingNoise: NoiseMachine?
    let yamuxConfig: YamuxConfig
    /// Decrypted bytes of the current read, reused from read to read.
    var receiveBuffer: [UInt8] = []
    /// Yamux output to seal, traded with the session's output buffer (``YamuxSession/pendingOutput(swappingInto:)``).
    var sendBuffer: [UInt8] = []

    public let direction: Direction

    /// While true, ``openStream(_:now:)``, ``write(_:_:output:)``, ``closeWrite(_:output:)`` and
    /// ``resetStream(_:code:output:)`` leave their frames in Yamux; ``flush(output:)`` seals everything at once (one
    /// Noise frame for many answers, e.g. while the caller handles one read).
    public var defersSealing = false

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
        stage = .security(ConnectionNegotiation(direction, Self.noiseProtocol))
        yamuxConfig = yamux
        self.identify = identify
        streamProtocols = applicationProtocols.union([
            Self.identifyProtocol, Self.identifyPushProtocol, Self.pingProtocol,
        ])
    }

    /// Whether the connection finished (failed or closed).
    public var isClosed: Bool {
        if case .closed = stage { return true }
        return false
    }

    /// Open Yamux streams.
    public var streamCount: Int { streams.count }

    /// Bytes this connection holds for the peer or from it: Yamux send queues and unsent frames, writes waiting for
    /// a stream to open, and partial identify messages being collected. The caller adds its socket's write queue.
    public var bufferedBytes: Int {
        var total = 0
        if case .muxed(_, let yamux) = stage { total += yamux.queuedBytesTotal + yamux.pendingOutputCount }
        for state in streams.values {
            switch state {
            case .push(let buffered), .askingIdentify(_, let buffered): total += buffered.count
            case .appDialing(let dialing): total += dialing.pending.count
            case .app(let app): total += app.held.count
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

    /// TCP bytes arrived (straight from the socket's read buffer). Once upgraded, Noise decrypts complete frames
    /// from `bytes` into one reused buffer, and stream data events are slices of it: one copy from socket to service.
    public mutating func receive(_ bytes: UnsafeRawBufferPointer, now: UInt64) -> Output {
        guard case .muxed = stage else { return receive(Array(bytes), now: now) }
        var out = Output()
        guard var muxed = takeMuxed() else { return out }
        // Unique again once the caller dropped the previous events' slices, so no allocation in steady state.
        receiveBuffer.removeAll(keepingCapacity: true)
        let result = muxed.noise.receive(bytes, appendingPlaintextTo: &receiveBuffer)
        restore(consume muxed)
        if case .failed(let error) = result.event { return fail(&out, "noise: \(error)") }
        return receiveBuffer.isEmpty ? out : yamuxInput(receiveBuffer, &out, now)
    }

    /// TCP bytes arrived.
    public mutating func receive(_ bytes: [UInt8], now: UInt64) -> Output {
        if case .muxed = stage { return bytes.withUnsafeBytes { receive($0, now: now) } }
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
                    var negotiation = ConnectionNegotiation(direction, Self.yamuxProtocol)
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
                return input.withUnsafeBytes { receive($0, now: now) }
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
        restore(consume muxed)
        return flushYamux(&out)
    }

    /// The muxed stage's state, while it is out of `stage`.
    struct Muxed {
        var noise: NoiseMachine
        var yamux: YamuxSession
    }

    /// Moves the muxed state out of `stage` (leaving ``Stage/transitioning``); the caller puts it back with
    /// ``restore(_:)``. Bound while `stage` still held it, Yamux's stream table and Noise's buffers would be copied
    /// on every change.
    mutating func takeMuxed() -> Muxed? {
        guard case .muxed(let noise, let yamux) = stage else { return nil }
        stage = .transitioning
        return Muxed(noise: noise, yamux: yamux)
    }

    /// Puts the muxed state back. Callers pass `consume muxed`: a local copy that lived on would share Yamux's
    /// stream table and send queues, and the next change to them would copy them whole.
    mutating func restore(_ muxed: consuming Muxed) {
        stage = .muxed(muxed.noise, muxed.yamux)
    }

    /// Seals what the stream calls left in Yamux.
    public mutating func flush(output out: inout Output) {
        _ = flushYamux(&out)
    }

    /// Seals what Yamux wants to send, then reports the blocked writers that have room again.
    @discardableResult
    mutating func flushYamux(_ out: inout Output) -> Output {
        guard var muxed = takeMuxed() else { return out }
        if !holdingStreams.isEmpty { moveHeld(&muxed.yamux, &out) }
        // Yamux hands out at most ~256 KiB per call; what the windows allow beyond that goes out now too, or nothing
        // would send it until the next event. The caller's socket bounds it (``setTransportBlocked(_:output:)``).
        repeat {
            muxed.yamux.pendingOutput(swappingInto: &sendBuffer)
            guard !sendBuffer.isEmpty else { break }
            // Sealed straight into the output: the second and last copy on the way to the socket.
            let sealed = sendBuffer.withUnsafeBytes { (try? muxed.noise.seal($0, appendingTo: &out.bytes)) != nil }
            guard sealed else { return fail(&out, "noise seal") }
        } while muxed.yamux.hasSendableData
        if !blockedWriters.isEmpty { reportWritable(muxed.yamux, &out) }
        restore(consume muxed)
        return out
    }

    /// Keep-alive and timers of the muxer.
    public mutating func tick(now: UInt64) -> Output {
        var out = Output()
        guard var muxed = takeMuxed() else { return out }
        for event in muxed.yamux.tick(now: now) { handle(event, &muxed.yamux, &out, now) }
        restore(consume muxed)
        return flushYamux(&out)
    }

    /// When ``tick(now:)`` is next due.
    public var nextDeadline: UInt64? {
        if case .muxed(_, let yamux) = stage { return yamux.nextDeadline }
        return nil
    }

    mutating func fail(_ out: inout Output, _ reason: String) -> Output {
        stage = .closed
        out.close = true
        out.events.append(.failed(reason))
        return out
    }
}
