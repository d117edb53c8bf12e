import Crypto
import Libp2pCore
import Testing
import Wire

@testable import Noise

private let generic: GenericNoiseVectors? = try? VectorLoader.load(
    GenericNoiseVectors.self, "noise_xx_25519_chachapoly_sha256")
private let libp2p: Libp2pNoiseVectors? = try? VectorLoader.load(Libp2pNoiseVectors.self, "noise_libp2p_handshake")

private func key(_ hex: String) throws -> X25519PrivateKey {
    try X25519PrivateKey(rawRepresentation: Hex.decode(hex))
}

@Suite struct NoiseGenericVectorTests {
    @Test func vectorsLoad() throws {
        let vectors = try #require(generic)
        #expect(vectors.vectors.count == 3)
        #expect(try #require(libp2p).transcripts.count == 2)
    }

    /// Every generic XX vector: handshake messages and transport messages byte-exact, in both roles.
    @Test(arguments: 0..<3)
    func genericVector(index: Int) throws {
        let v = try #require(generic).vectors[index]
        #expect(v.protocol_name == NoiseHandshake.protocolName)
        var initiator = try NoiseHandshake(
            role: .initiator, staticKey: key(v.init_static), ephemeralKey: key(v.init_ephemeral),
            prologue: Hex.decode(v.init_prologue))
        var responder = try NoiseHandshake(
            role: .responder, staticKey: key(v.resp_static), ephemeralKey: key(v.resp_ephemeral),
            prologue: Hex.decode(v.resp_prologue))
        var sends: [NoiseCipherState] = []
        var receives: [NoiseCipherState] = []
        for (i, message) in v.messages.enumerated() {
            let payload = try Hex.decode(message.payload)
            let fromInitiator = i % 2 == 0
            if i < 3 {
                let written: [UInt8]
                let read: [UInt8]
                if fromInitiator {
                    written = try initiator.writeMessage(payload: payload)
                    read = try responder.readMessage(written)
                } else {
                    written = try responder.writeMessage(payload: payload)
                    read = try initiator.readMessage(written)
                }
                #expect(Hex.encode(written) == message.ciphertext, "message \(i)")
                #expect(read == payload)
                if i == 2 {
                    #expect(initiator.isComplete && responder.isComplete)
                    #expect(initiator.handshakeHash == responder.handshakeHash)
                    if let hash = v.handshake_hash { #expect(Hex.encode(initiator.handshakeHash) == hash) }
                    #expect(initiator.remoteStaticKey == responder.localStaticPublicKey)
                    #expect(responder.remoteStaticKey == initiator.localStaticPublicKey)
                    let (iSend, iReceive) = try initiator.split()
                    let (rSend, rReceive) = try responder.split()
                    sends = [iSend, rSend]
                    receives = [rReceive, iReceive]
                }
            } else {
                let side = fromInitiator ? 0 : 1
                let sealed = try sends[side].encrypt(associatedData: [], plaintext: payload)
                #expect(Hex.encode(sealed) == message.ciphertext, "transport message \(i)")
                #expect(try receives[side].decrypt(associatedData: [], ciphertext: sealed) == payload)
            }
        }
    }
}

@Suite struct NoiseLibp2pVectorTests {
    struct Parties {
        let initiatorIdentity: Libp2pPrivateKey
        let responderIdentity: Libp2pPrivateKey
        let vectors: Libp2pNoiseVectors

        init() throws {
            vectors = try #require(libp2p)
            initiatorIdentity = try Libp2pPrivateKey(
                protobufBytes: Hex.decode(vectors.initiator.identity_private_key_protobuf_hex))
            responderIdentity = try Libp2pPrivateKey(
                protobufBytes: Hex.decode(vectors.responder.identity_private_key_protobuf_hex))
        }

        func initiator(expecting peer: PeerID? = nil) throws -> NoiseMachine {
            try NoiseMachine(
                role: .initiator, identity: initiatorIdentity, staticKey: key(vectors.initiator.static_private_hex),
                ephemeralKey: key(vectors.initiator.ephemeral_private_hex), expectedRemotePeer: peer)
        }

        func responder() throws -> NoiseMachine {
            try NoiseMachine(
                role: .responder, identity: responderIdentity, staticKey: key(vectors.responder.static_private_hex),
                ephemeralKey: key(vectors.responder.ephemeral_private_hex))
        }
    }

    @Test func keysAndPeerIDs() throws {
        let p = try Parties()
        #expect(p.initiatorIdentity.peerID.base58 == p.vectors.initiator.peer_id)
        #expect(p.responderIdentity.peerID.base58 == p.vectors.responder.peer_id)
        #expect(
            try Hex.encode(key(p.vectors.initiator.static_private_hex).publicKey)
                == p.vectors.initiator.static_public_hex)
        #expect(
            try Hex.encode(key(p.vectors.responder.ephemeral_private_hex).publicKey)
                == p.vectors.responder.ephemeral_public_hex)
    }

    /// The transcript without extensions, byte for byte, in both roles: frames, payloads, signatures,
    /// handshake hash and the first transport frames.
    @Test func transcriptWithoutExtensions() throws {
        let p = try Parties()
        let t = try #require(p.vectors.transcripts["without_extensions"])
        let m = t.messages
        #expect(m.count == 5)
        var initiator = try p.initiator(expecting: PeerID(base58: p.vectors.responder.peer_id))
        var responder = try p.responder()

        let first = initiator.start()
        #expect(Hex.encode(first.bytesToSend) == m[0].wire_hex)
        let second = responder.receive(first.bytesToSend)
        #expect(second.event == nil)
        #expect(Hex.encode(second.bytesToSend) == m[1].wire_hex)
        let third = initiator.receive(second.bytesToSend)
        #expect(Hex.encode(third.bytesToSend) == m[2].wire_hex)
        #expect(try third.event == .handshakeComplete(PeerID(base58: p.vectors.responder.peer_id)))
        let done = responder.receive(third.bytesToSend)
        #expect(done.bytesToSend.isEmpty)
        #expect(try done.event == .handshakeComplete(PeerID(base58: p.vectors.initiator.peer_id)))
        #expect(initiator.handshakeHash.map(Hex.encode) == t.handshake_hash_hex)
        #expect(responder.handshakeHash.map(Hex.encode) == t.handshake_hash_hex)
        #expect(
            responder.remotePublicKey?.protobufBytes.map { $0 }
                == (try Hex.decode(p.vectors.initiator.identity_public_key_protobuf_hex)))

        // Payloads and signatures, as the vector lists them.
        for (i, message) in m.enumerated() where i == 1 || i == 2 {
            let payload = try NoiseHandshakePayload(bytes: Hex.decode(try #require(message.payload_hex)))
            #expect(payload.identitySignature.map(Hex.encode) == message.payload_identity_sig_hex)
            #expect(payload.extensions == nil)
            let party = i == 1 ? p.responderIdentity : p.initiatorIdentity
            let staticKey = try Hex.decode(
                i == 1 ? p.vectors.responder.static_public_hex : p.vectors.initiator.static_public_hex)
            let rebuilt = NoiseHandshakePayload(
                identityKey: party.publicKey.protobufBytes,
                identitySignature: party.sign(NoiseHandshakePayload.signedMessage(staticKey: staticKey)))
            #expect(Hex.encode(rebuilt.bytes) == message.payload_hex)
        }

        // First transport frames.
        let toResponder = try initiator.seal(Hex.decode(try #require(m[3].plaintext_hex)))
        #expect(Hex.encode(toResponder) == m[3].wire_hex)
        let toInitiator = try responder.seal(Hex.decode(try #require(m[4].plaintext_hex)))
        #expect(Hex.encode(toInitiator) == m[4].wire_hex)
        #expect(try responder.receive(toResponder).decryptedPlaintext == Hex.decode(try #require(m[3].plaintext_hex)))
        #expect(try initiator.receive(toInitiator).decryptedPlaintext == Hex.decode(try #require(m[4].plaintext_hex)))
    }

    /// The transcript's transport frames through the pointer-based seal and receive, byte for byte; an empty
    /// message (a 16-byte frame, sealed here with the transcript's key) adds no plaintext but uses its nonce.
    @Test func transcriptThroughPointerAPIs() throws {
        let p = try Parties()
        let t = try #require(p.vectors.transcripts["without_extensions"])
        let m = t.messages
        var initiator = try p.initiator()
        var responder = try p.responder()
        let three = initiator.receive(responder.receive(initiator.start().bytesToSend).bytesToSend).bytesToSend
        var toResponder: [UInt8] = []
        try Hex.decode(try #require(m[3].plaintext_hex)).withUnsafeBytes {
            try initiator.seal($0, appendingTo: &toResponder)
        }
        #expect(Hex.encode(toResponder) == m[3].wire_hex)
        // Message 3 and the first frame in one read, as a dialer sends them.
        var plaintext: [UInt8] = []
        let done = (three + toResponder).withUnsafeBytes { responder.receive($0, appendingPlaintextTo: &plaintext) }
        #expect(done.event == .handshakeComplete(p.initiatorIdentity.peerID))
        #expect(done.decryptedPlaintext.isEmpty)
        #expect(Hex.encode(plaintext) == m[3].plaintext_hex)

        var toInitiator: [UInt8] = []
        try Hex.decode(try #require(m[4].plaintext_hex)).withUnsafeBytes {
            try responder.seal($0, appendingTo: &toInitiator)
        }
        #expect(Hex.encode(toInitiator) == m[4].wire_hex)

        var reference = try NoiseCipherState(key: Hex.decode(t.cipher_key_responder_to_initiator_hex))
        let first = try reference.encrypt(associatedData: [], plaintext: Hex.decode(try #require(m[4].plaintext_hex)))
        var framed: [UInt8] = []
        NoiseFrameDecoder.appendFrame(first, to: &framed)
        #expect(Hex.encode(framed) == m[4].wire_hex)
        var wire: [UInt8] = []
        NoiseFrameDecoder.appendFrame(try reference.encrypt(associatedData: [], plaintext: []), to: &wire)
        NoiseFrameDecoder.appendFrame(try reference.encrypt(associatedData: [], plaintext: [5, 6]), to: &wire)
        #expect(wire.count == 2 + 16 + 2 + 18)
        plaintext.removeAll(keepingCapacity: true)
        let out = (toInitiator + wire).withUnsafeBytes { initiator.receive($0, appendingPlaintextTo: &plaintext) }
        #expect(out == NoiseOutput())
        #expect(plaintext == (try Hex.decode(try #require(m[4].plaintext_hex))) + [5, 6])
    }

    /// Cipher keys of the split, from the generic handshake layer.
    @Test func splitKeysMatch() throws {
        let p = try Parties()
        let t = try #require(p.vectors.transcripts["without_extensions"])
        var initiator = try NoiseHandshake(
            role: .initiator, staticKey: key(p.vectors.initiator.static_private_hex),
            ephemeralKey: key(p.vectors.initiator.ephemeral_private_hex))
        var responder = try NoiseHandshake(
            role: .responder, staticKey: key(p.vectors.responder.static_private_hex),
            ephemeralKey: key(p.vectors.responder.ephemeral_private_hex))
        _ = try responder.readMessage(initiator.writeMessage(payload: []))
        _ = try initiator.readMessage(responder.writeMessage(payload: []))
        _ = try responder.readMessage(initiator.writeMessage(payload: []))
        var (send, _) = try initiator.split()
        var reference = try NoiseCipherState(key: Hex.decode(t.cipher_key_initiator_to_responder_hex))
        #expect(
            try send.encrypt(associatedData: [], plaintext: [1, 2, 3])
                == reference.encrypt(associatedData: [], plaintext: [1, 2, 3]))
        var (rSend, _) = try responder.split()
        var reference2 = try NoiseCipherState(key: Hex.decode(t.cipher_key_responder_to_initiator_hex))
        #expect(
            try rSend.encrypt(associatedData: [], plaintext: [4])
                == reference2.encrypt(associatedData: [], plaintext: [4]))
    }

    /// A remote that advertises stream muxers (the transcript with extensions): our initiator accepts its
    /// message 2, sends no extensions itself, and reads its first transport frame.
    @Test func remoteWithExtensions() throws {
        let p = try Parties()
        let t = try #require(p.vectors.transcripts["with_stream_muxer_extensions"])
        let m = t.messages
        let payload = try NoiseHandshakePayload(bytes: Hex.decode(try #require(m[1].payload_hex)))
        #expect(payload.extensions?.streamMuxers == ["/yamux/1.0.0"])
        #expect(Hex.encode(payload.bytes) == m[1].payload_hex)
        #expect(payload.identitySignature.map(Hex.encode) == m[1].payload_identity_sig_hex)

        var initiator = try p.initiator()
        #expect(Hex.encode(initiator.start().bytesToSend) == m[0].wire_hex)
        let out = try initiator.receive(Hex.decode(m[1].wire_hex) + Hex.decode(m[4].wire_hex))
        #expect(try out.event == .handshakeComplete(PeerID(base58: p.vectors.responder.peer_id)))
        let without = try #require(p.vectors.transcripts["without_extensions"])
        #expect(Hex.encode(out.bytesToSend) != m[2].wire_hex)
        #expect(out.bytesToSend.count < (try Hex.decode(m[2].wire_hex)).count)
        #expect(Hex.encode(out.decryptedPlaintext) == m[4].plaintext_hex)
        #expect(without.cipher_key_initiator_to_responder_hex == t.cipher_key_initiator_to_responder_hex)
    }
}
