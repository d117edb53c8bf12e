import Crypto
import Libp2pCore
import Wire

/// The libp2p `/noise` security handshake and transport as a sans-IO state machine.
///
/// Bytes in (``receive(_:)``, or ``receive(_:appendingPlaintextTo:)`` without copies), bytes out, events. Handshake
/// payloads carry the identity key and its signature over `"noise-libp2p-static-key:" || static key`; no extensions
/// are sent (no early muxer negotiation). Bytes that arrive right behind the last handshake message are decrypted in
/// the same call.
public struct NoiseMachine: Sendable {
    private enum State: Sendable {
        case handshaking
        case established
        case failed
    }

    /// This side's role: the dialer is the initiator.
    public let role: NoiseHandshake.Role
    private let expectedRemotePeer: PeerID?
    private var localPayload: [UInt8]
    /// The handshake state; dropped once the session keys are split off (the spec's "delete the handshake state").
    private var handshake: NoiseHandshake?
    private var finalHandshakeHash: [UInt8]?
    private var channel: NoiseSecureChannel?
    private var decoder = NoiseFrameDecoder()
    private var state = State.handshaking
    private var started = false
    /// The verified remote peer, once the handshake is complete.
    public private(set) var remotePeer: PeerID?
    /// The remote's identity key, once the handshake is complete.
    public private(set) var remotePublicKey: Libp2pPublicKey?
    /// RSA identity keys above this many bits are refused before their signature is checked.
    public var maxRSAKeyBits = RSAPublicKey.maxBits

    /// A machine with the given Noise static and ephemeral keys (fixed keys make transcripts reproducible).
    /// - Parameter expectedRemotePeer: the peer the dialer dialed; the handshake fails on any other.
    public init(
        role: NoiseHandshake.Role, identity: Libp2pPrivateKey, staticKey: X25519PrivateKey,
        ephemeralKey: X25519PrivateKey, expectedRemotePeer: PeerID? = nil
    ) {
        self.init(
            role: role, local: NoiseLocalIdentity(identity: identity, staticKey: staticKey), ephemeralKey: ephemeralKey,
            expectedRemotePeer: expectedRemotePeer)
    }

    /// A machine using a prepared static key and signed payload (shared by many connections, as rust-libp2p does)
    /// and a fresh `ephemeralKey`.
    public init(
        role: NoiseHandshake.Role, local: NoiseLocalIdentity, ephemeralKey: X25519PrivateKey,
        expectedRemotePeer: PeerID? = nil
    ) {
        self.role = role
        self.expectedRemotePeer = expectedRemotePeer
        self.handshake = NoiseHandshake(role: role, staticKey: local.staticKey, ephemeralKey: ephemeralKey)
        self.localPayload = local.payload
    }

    /// A machine with a prepared static identity and an ephemeral key from `randomBytes` (asked for 32 bytes).
    /// - Throws: ``NoiseError/crypto(_:)`` when `randomBytes` returns the wrong length.
    public init(
        role: NoiseHandshake.Role, local: NoiseLocalIdentity, expectedRemotePeer: PeerID? = nil,
        randomBytes: (Int) -> [UInt8]
    ) throws(NoiseError) {
        let ephemeralKey: X25519PrivateKey
        do {
            ephemeralKey = try X25519PrivateKey(rawRepresentation: randomBytes(X25519PrivateKey.byteCount))
        } catch {
            throw .crypto(error)
        }
        self.init(role: role, local: local, ephemeralKey: ephemeralKey, expectedRemotePeer: expectedRemotePeer)
    }

    /// A machine whose fresh static and ephemeral keys come from `randomBytes` (asked for 32 bytes, twice).
    /// - Throws: ``NoiseError/crypto(_:)`` when `randomBytes` returns the wrong length.
    public init(
        role: NoiseHandshake.Role, identity: Libp2pPrivateKey, expectedRemotePeer: PeerID? = nil,
        randomBytes: (Int) -> [UInt8]
    ) throws(NoiseError) {
        let staticKey: X25519PrivateKey
        let ephemeralKey: X25519PrivateKey
        do {
            staticKey = try X25519PrivateKey(rawRepresentation: randomBytes(X25519PrivateKey.byteCount))
            ephemeralKey = try X25519PrivateKey(rawRepresentation: randomBytes(X25519PrivateKey.byteCount))
        } catch {
            throw .crypto(error)
        }
        self.init(
            role: role, identity: identity, staticKey: staticKey, ephemeralKey: ephemeralKey,
            expectedRemotePeer: expectedRemotePeer)
    }

    /// Whether the handshake is complete and the session usable.
    public var isEstablished: Bool { state == .established }

    /// Whether the session failed.
    public var isFailed: Bool { state == .failed }

    /// The final handshake hash (channel binding), once established.
    public var handshakeHash: [UInt8]? { state == .established ? finalHandshakeHash : nil }

    /// Starts the handshake: the initiator's first message (`-> e`, empty payload); nothing for the responder.
    /// Idempotent; ``receive(_:)`` starts an initiator that was not started.
    public mutating func start() -> NoiseOutput {
        var output = NoiseOutput()
        guard !started else { return output }
        started = true
        guard role == .initiator, state == .handshaking, var handshake else { return output }
        do {
            let message = try handshake.writeMessage(payload: [])
            self.handshake = handshake
            NoiseFrameDecoder.appendFrame(message, to: &output.bytesToSend)
        } catch {
            fail(error, into: &output)
        }
        return output
    }

    /// Feeds bytes from the connection (any split, one byte at a time included); decrypted application bytes come
    /// back in ``NoiseOutput/decryptedPlaintext``.
    public mutating func receive(_ bytes: [UInt8]) -> NoiseOutput {
        var plaintext: [UInt8] = []
        var output = bytes.withUnsafeBytes { receive($0, appendingPlaintextTo: &plaintext) }
        output.decryptedPlaintext = plaintext
        return output
    }

    /// Feeds bytes from the connection (any split, one byte at a time included), appending decrypted application
    /// bytes to `plaintext` (``NoiseOutput/decryptedPlaintext`` stays empty).
    ///
    /// Complete frames are decrypted straight from `bytes` into `plaintext`'s tail; only a partial trailing frame is
    /// copied and kept for the next call. A caller that empties `plaintext` with `removeAll(keepingCapacity: true)`
    /// between reads allocates nothing per call once the buffers have grown. A frame that fails to decrypt adds
    /// nothing; frames before it in the same call are kept.
    public mutating func receive(_ bytes: UnsafeRawBufferPointer, appendingPlaintextTo plaintext: inout [UInt8])
        -> NoiseOutput
    {
        var output = start()
        guard state != .failed else { return output }
        var offset = 0
        while state != .failed, let frame = decoder.next(in: bytes, from: &offset) {
            switch frame {
            case .input(let range):
                handleFrame(UnsafeRawBufferPointer(rebasing: bytes[range]), plaintext: &plaintext, into: &output)
            case .buffered:
                var buffered = decoder.takeBuffered()
                buffered.withUnsafeBytes { frame in
                    handleFrame(UnsafeRawBufferPointer(rebasing: frame[2...]), plaintext: &plaintext, into: &output)
                }
                if state != .failed { decoder.recycle(&buffered) }
            }
        }
        return output
    }

    /// Seals application bytes into transport frames (at most 65519 plaintext bytes each).
    /// - Throws: ``NoiseError/invalidState`` before the handshake completes or after a failure,
    ///   ``NoiseError/nonceExhausted``.
    public mutating func seal(_ plaintext: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard state == .established, var channel else { throw .invalidState }
        let out = try channel.seal(plaintext)
        self.channel = channel
        return out
    }

    /// Seals application bytes into transport frames (at most 65519 plaintext bytes each) appended to `out`, each
    /// chunk encrypted straight into `out`'s tail (``NoiseSecureChannel/seal(_:appendingTo:)``). On failure `out`
    /// keeps its former bytes.
    /// - Throws: ``NoiseError/invalidState`` before the handshake completes or after a failure,
    ///   ``NoiseError/nonceExhausted``.
    public mutating func seal(_ plaintext: UnsafeRawBufferPointer, appendingTo out: inout [UInt8]) throws(NoiseError) {
        guard state == .established, var channel else { throw .invalidState }
        try channel.seal(plaintext, appendingTo: &out)
        self.channel = channel
    }

    /// One complete frame body: a handshake message, or a transport frame decrypted onto `plaintext`.
    private mutating func handleFrame(
        _ body: UnsafeRawBufferPointer, plaintext: inout [UInt8], into output: inout NoiseOutput
    ) {
        do throws(NoiseError) {
            switch state {
            case .handshaking:
                try handleHandshakeFrame(Array(body), into: &output)
            case .established:
                guard channel != nil else { throw .invalidState }
                // In place: the nonce advances only on success, and a failure drops the channel anyway.
                try channel!.open(frame: body, appendingTo: &plaintext)
            case .failed:
                break
            }
        } catch {
            fail(error, into: &output)
        }
    }

    private mutating func handleHandshakeFrame(_ frame: [UInt8], into output: inout NoiseOutput) throws(NoiseError) {
        guard var handshake else { throw .invalidState }
        let payload = try handshake.readMessage(frame)
        switch (role, handshake.step) {
        case (.responder, 1):
            // Message 1 has an empty payload by spec; anything in it is ignored.
            let message = try handshake.writeMessage(payload: localPayload)
            NoiseFrameDecoder.appendFrame(message, to: &output.bytesToSend)
            self.handshake = handshake
        case (.initiator, 2):
            try verify(payload, remoteStatic: handshake.remoteStaticKey)
            let message = try handshake.writeMessage(payload: localPayload)
            NoiseFrameDecoder.appendFrame(message, to: &output.bytesToSend)
            try establish(handshake, into: &output)
        case (.responder, 3):
            try verify(payload, remoteStatic: handshake.remoteStaticKey)
            try establish(handshake, into: &output)
        default:
            throw .invalidState
        }
    }

    private mutating func verify(_ payloadBytes: [UInt8], remoteStatic: [UInt8]?) throws(NoiseError) {
        let payload: NoiseHandshakePayload
        do {
            payload = try NoiseHandshakePayload(bytes: payloadBytes)
        } catch {
            throw .malformedPayload(error)
        }
        guard let keyBytes = payload.identityKey else { throw .missingIdentityKey }
        guard let signature = payload.identitySignature else { throw .missingIdentitySignature }
        guard let remoteStatic else { throw .invalidState }
        let key: Libp2pPublicKey
        let valid: Bool
        do throws(KeyError) {
            key = try Libp2pPublicKey(protobufBytes: keyBytes)
            if key.type == .rsa, let bits = key.rsaBits, bits > maxRSAKeyBits {
                throw KeyError.crypto(.unsupportedKeySize(bits: bits))
            }
            valid = try key.isValidSignature(
                signature, for: NoiseHandshakePayload.signedMessage(staticKey: remoteStatic))
        } catch {
            throw .invalidIdentityKey(error)
        }
        guard valid else { throw .invalidSignature }
        let peer = key.peerID
        if let expectedRemotePeer, expectedRemotePeer != peer {
            throw .peerIDMismatch(expected: expectedRemotePeer, actual: peer)
        }
        remotePublicKey = key
        remotePeer = peer
    }

    private mutating func establish(_ handshake: NoiseHandshake, into output: inout NoiseOutput) throws(NoiseError) {
        let (send, receive) = try handshake.split()
        channel = NoiseSecureChannel(send: send, receive: receive)
        finalHandshakeHash = handshake.handshakeHash
        self.handshake = nil
        localPayload = []
        state = .established
        if let remotePeer { output.event = .handshakeComplete(remotePeer) }
    }

    private mutating func fail(_ error: NoiseError, into output: inout NoiseOutput) {
        state = .failed
        channel = nil
        handshake = nil
        decoder.reset()
        output.event = .failed(error)
    }
}
