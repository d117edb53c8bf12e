import Crypto
import Libp2pCore
import TestSupport
import Testing
import Wire

@testable import Noise

/// A deterministic source of key bytes for machines under test.
private func randomBytes(_ generator: inout SeededGenerator) -> (Int) -> [UInt8] {
    var g = generator
    let source = { (count: Int) -> [UInt8] in (0..<count).map { _ in UInt8.random(in: 0...255, using: &g) } }
    generator = SeededGenerator(seed: generator.next())
    return source
}

/// A dialer and a listener with seeded Noise keys (also used by NoiseZeroCopyTests).
struct Pair {
    let dialerIdentity = Libp2pPrivateKey.generateEd25519()
    let listenerIdentity = Libp2pPrivateKey.generateEd25519()
    var dialer: NoiseMachine
    var listener: NoiseMachine

    init(expected: PeerID? = nil, useListenerPeer: Bool = true) throws {
        var dialerEphemeral = SeededGenerator(seed: 1)
        var listenerEphemeral = SeededGenerator(seed: 2)
        let expectedPeer = expected ?? (useListenerPeer ? listenerIdentity.peerID : nil)
        dialer = try NoiseMachine(
            role: .initiator, identity: dialerIdentity, expectedRemotePeer: expectedPeer,
            randomBytes: randomBytes(&dialerEphemeral))
        listener = try NoiseMachine(
            role: .responder, identity: listenerIdentity, randomBytes: randomBytes(&listenerEphemeral))
    }

    /// Runs the handshake with whole writes; returns the two completion outputs.
    mutating func handshake() -> (dialer: NoiseOutput, listener: NoiseOutput) {
        let one = dialer.start()
        let two = listener.receive(one.bytesToSend)
        let three = dialer.receive(two.bytesToSend)
        let four = listener.receive(three.bytesToSend)
        return (three, four)
    }
}

@Suite struct NoiseMachineTests {
    @Test func inMemoryPairExchangesData() throws {
        var pair = try Pair()
        let (d, l) = pair.handshake()
        #expect(d.event == .handshakeComplete(pair.listenerIdentity.peerID))
        #expect(l.event == .handshakeComplete(pair.dialerIdentity.peerID))
        #expect(pair.dialer.isEstablished && pair.listener.isEstablished)
        #expect(pair.dialer.handshakeHash == pair.listener.handshakeHash)
        #expect(pair.dialer.remotePeer == pair.listenerIdentity.peerID)

        for size in [1, 100, 65519, 65520, 200_000] {
            let data = (0..<size).map { UInt8(truncatingIfNeeded: $0 * 7) }
            let wire = try pair.dialer.seal(data)
            let frames = (size + 65518) / 65519
            #expect(wire.count == size + frames * 18)
            #expect(pair.listener.receive(wire).decryptedPlaintext == data)
            let back = try pair.listener.seal(data)
            #expect(pair.dialer.receive(back).decryptedPlaintext == data)
        }
        #expect(try pair.dialer.seal([]).isEmpty)
    }

    @Test func sealBeforeHandshakeIsRefused() throws {
        var pair = try Pair()
        #expect(throws: NoiseError.invalidState) { try pair.dialer.seal([1]) }
        _ = pair.dialer.start()
        #expect(throws: NoiseError.invalidState) { try pair.dialer.seal([1]) }
        #expect(pair.listener.start().bytesToSend.isEmpty)
    }

    /// Every byte delivered on its own, in both directions, with transport data right behind message 3.
    @Test func dripFeed() throws {
        var pair = try Pair()
        var toListener = pair.dialer.start().bytesToSend
        var toDialer: [UInt8] = []
        var dialerEvents: [NoiseEvent] = []
        var listenerEvents: [NoiseEvent] = []
        var listenerPlaintext: [UInt8] = []
        var dialerPlaintext: [UInt8] = []
        var sentEarly = false
        for _ in 0..<10 {
            var next: [UInt8] = []
            for byte in toListener {
                let out = pair.listener.receive([byte])
                toDialer += out.bytesToSend
                listenerPlaintext += out.decryptedPlaintext
                if let e = out.event { listenerEvents.append(e) }
            }
            toListener = []
            for byte in toDialer {
                let out = pair.dialer.receive([byte])
                next += out.bytesToSend
                dialerPlaintext += out.decryptedPlaintext
                if let e = out.event { dialerEvents.append(e) }
                if pair.dialer.isEstablished, !sentEarly {
                    // The initiator writes data in the same segment as message 3.
                    next += try pair.dialer.seal(Array("early data".utf8))
                    sentEarly = true
                }
            }
            toDialer = []
            toListener = next
            if toListener.isEmpty { break }
        }
        #expect(dialerEvents == [.handshakeComplete(pair.listenerIdentity.peerID)])
        #expect(listenerEvents == [.handshakeComplete(pair.dialerIdentity.peerID)])
        #expect(listenerPlaintext == Array("early data".utf8))
        let reply = try pair.listener.seal(Array("reply".utf8))
        for byte in reply { dialerPlaintext += pair.dialer.receive([byte]).decryptedPlaintext }
        #expect(dialerPlaintext == Array("reply".utf8))
    }

    /// Message 3 and the first transport frames in one read: nothing is lost.
    @Test func bytesBehindLastHandshakeMessage() throws {
        var pair = try Pair()
        let two = pair.listener.receive(pair.dialer.start().bytesToSend)
        let three = pair.dialer.receive(two.bytesToSend)
        let data = try pair.dialer.seal([1, 2, 3]) + pair.dialer.seal([4, 5])
        let out = pair.listener.receive(three.bytesToSend + data)
        #expect(out.event == .handshakeComplete(pair.dialerIdentity.peerID))
        #expect(out.decryptedPlaintext == [1, 2, 3, 4, 5])
    }

    @Test func wrongExpectedPeerFails() throws {
        let other = Libp2pPrivateKey.generateEd25519().peerID
        var pair = try Pair(expected: other)
        let two = pair.listener.receive(pair.dialer.start().bytesToSend)
        let three = pair.dialer.receive(two.bytesToSend)
        #expect(three.event == .failed(.peerIDMismatch(expected: other, actual: pair.listenerIdentity.peerID)))
        #expect(three.bytesToSend.isEmpty)
        #expect(pair.dialer.isFailed)
        #expect(pair.dialer.remotePeer == nil)
        #expect(pair.dialer.receive([0, 1, 2]) == NoiseOutput())
        #expect(throws: NoiseError.invalidState) { try pair.dialer.seal([1]) }
    }

    /// A flipped bit anywhere in messages 2 and 3 or in a transport frame fails the session, never traps.
    @Test func tamperedFramesFail() throws {
        var reference = try Pair()
        let one = reference.dialer.start().bytesToSend
        let two = reference.listener.receive(one).bytesToSend
        let three = reference.dialer.receive(two).bytesToSend
        _ = reference.listener.receive(three)
        let data = try reference.dialer.seal(Array("payload".utf8))

        for index in 2..<two.count {
            var pair = try Pair()
            var bad = pair.listener.receive(pair.dialer.start().bytesToSend).bytesToSend
            bad[index] ^= 0x01
            let out = pair.dialer.receive(bad)
            guard case .failed = out.event else {
                Issue.record("message 2 byte \(index) tampered but accepted")
                continue
            }
        }
        for index in 2..<three.count {
            var pair = try Pair()
            let msg2 = pair.listener.receive(pair.dialer.start().bytesToSend).bytesToSend
            var bad = pair.dialer.receive(msg2).bytesToSend
            bad[index] ^= 0x80
            guard case .failed = pair.listener.receive(bad).event else {
                Issue.record("message 3 byte \(index) tampered but accepted")
                continue
            }
        }
        for index in 2..<data.count {
            var pair = try Pair()
            _ = pair.handshake()
            var bad = try pair.dialer.seal(Array("payload".utf8))
            bad[index] ^= 0x10
            let out = pair.listener.receive(bad)
            #expect(out.event == .failed(.decryptionFailed))
            #expect(out.decryptedPlaintext.isEmpty)
        }
        // A replayed frame fails (nonce mismatch).
        var pair = try Pair()
        _ = pair.handshake()
        let frame = try pair.dialer.seal([9])
        #expect(pair.listener.receive(frame).decryptedPlaintext == [9])
        #expect(pair.listener.receive(frame).event == .failed(.decryptionFailed))
    }

    @Test func invalidPayloadsFail() throws {
        var pair = try Pair()
        var hs = NoiseHandshake(
            role: .responder, staticKey: X25519PrivateKey.generate(), ephemeralKey: X25519PrivateKey.generate())
        let one = pair.dialer.start().bytesToSend
        _ = try hs.readMessage(Array(one.dropFirst(2)))
        // Signature by the identity key over a different static key.
        let identity = Libp2pPrivateKey.generateEd25519()
        let payload = NoiseHandshakePayload(
            identityKey: identity.publicKey.protobufBytes,
            identitySignature: identity.sign(
                NoiseHandshakePayload.signedMessage(staticKey: [UInt8](repeating: 9, count: 32))))
        var frame: [UInt8] = []
        NoiseFrameDecoder.appendFrame(try hs.writeMessage(payload: payload.bytes), to: &frame)
        #expect(pair.dialer.receive(frame).event == .failed(.invalidSignature))

        var pair2 = try Pair()
        var hs2 = NoiseHandshake(
            role: .responder, staticKey: X25519PrivateKey.generate(), ephemeralKey: X25519PrivateKey.generate())
        _ = try hs2.readMessage(Array(pair2.dialer.start().bytesToSend.dropFirst(2)))
        var frame2: [UInt8] = []
        NoiseFrameDecoder.appendFrame(try hs2.writeMessage(payload: []), to: &frame2)
        #expect(pair2.dialer.receive(frame2).event == .failed(.missingIdentityKey))
    }

    /// An RSA identity key over `maxRSAKeyBits` is refused before its signature is checked: the same payload (an
    /// RSA-2048 key from go-libp2p's test data with a bad signature) fails on the signature at the default limit and
    /// on the key size below it.
    @Test(arguments: [(RSAPublicKey.maxBits, false), (2047, true)])
    func rsaKeysOverTheLimitAreRefused(limit: Int, refused: Bool) throws {
        let vectors = try VectorLoader.load(KeyVectorFile.self, "key_signatures")
        let rsa = try #require(vectors.vectors.first { $0.key_type == "rsa" })
        var pair = try Pair()
        pair.dialer.maxRSAKeyBits = limit
        var hs = NoiseHandshake(
            role: .responder, staticKey: X25519PrivateKey.generate(), ephemeralKey: X25519PrivateKey.generate())
        _ = try hs.readMessage(Array(pair.dialer.start().bytesToSend.dropFirst(2)))
        let payload = NoiseHandshakePayload(
            identityKey: try Hex.decode(rsa.public_key_protobuf_hex),
            identitySignature: [UInt8](repeating: 1, count: 256))
        var frame: [UInt8] = []
        NoiseFrameDecoder.appendFrame(try hs.writeMessage(payload: payload.bytes), to: &frame)
        let event = pair.dialer.receive(frame).event
        #expect(
            event
                == (refused
                    ? .failed(.invalidIdentityKey(.crypto(.unsupportedKeySize(bits: 2048))))
                    : .failed(.invalidSignature)))
    }

    /// One prepared static identity serves several responders; each handshake completes with its own session keys
    /// and a fresh ephemeral key, and the handshake hash stays readable after the handshake state is dropped.
    @Test func sharedStaticIdentityServesManyConnections() throws {
        let serverIdentity = Libp2pPrivateKey.generateEd25519()
        let shared = try NoiseLocalIdentity(identity: serverIdentity, randomBytes: SecureRandom.bytes)
        var hashes: [[UInt8]] = []
        for _ in 0..<3 {
            var dialer = try NoiseMachine(
                role: .initiator, identity: Libp2pPrivateKey.generateEd25519(),
                expectedRemotePeer: serverIdentity.peerID, randomBytes: SecureRandom.bytes)
            var listener = try NoiseMachine(role: .responder, local: shared, randomBytes: SecureRandom.bytes)
            let two = listener.receive(dialer.start().bytesToSend)
            let three = dialer.receive(two.bytesToSend)
            #expect(three.event == .handshakeComplete(serverIdentity.peerID))
            _ = listener.receive(three.bytesToSend)
            #expect(listener.isEstablished)
            let sealed = try dialer.seal(Array("x".utf8))
            #expect(listener.receive(sealed).decryptedPlaintext == Array("x".utf8))
            hashes.append(try #require(listener.handshakeHash))
            #expect(listener.handshakeHash == dialer.handshakeHash)
        }
        #expect(Set(hashes).count == 3)
    }

    /// Random bytes fed to fresh machines (either role, after a partial handshake too) never trap.
    @Test func randomBytesNeverTrap() throws {
        var rng = SeededGenerator.fromEnvironment("NoiseMachine.random")
        for round in 0..<300 {
            var pair = try Pair(useListenerPeer: false)
            let length = Int.random(in: 0...300, using: &rng)
            var junk = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if round % 3 == 0, junk.count >= 2 {
                // A plausible length prefix.
                junk[0] = 0
                junk[1] = UInt8(min(junk.count - 2, 255))
            }
            switch round % 4 {
            case 0:
                _ = pair.listener.receive(junk)
            case 1:
                _ = pair.dialer.start()
                _ = pair.dialer.receive(junk)
            case 2:
                let two = pair.listener.receive(pair.dialer.start().bytesToSend)
                _ = pair.dialer.receive(two.bytesToSend)
                _ = pair.listener.receive(junk)
            default:
                _ = pair.handshake()
                let out = pair.listener.receive(junk)
                if case .failed = out.event { #expect(pair.listener.isFailed) }
            }
        }
        // Random handshake payload bytes never trap the payload decoder.
        for _ in 0..<500 {
            let junk = (0..<Int.random(in: 0...80, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = try? NoiseHandshakePayload(bytes: junk)
        }
    }
}

@Suite struct NoiseCipherStateTests {
    @Test func nonceLimit() throws {
        let key = [UInt8](repeating: 3, count: 32)
        var sender = try NoiseCipherState(key: key, nonce: UInt64.max - 1)
        var receiver = try NoiseCipherState(key: key, nonce: UInt64.max - 1)
        let last = try sender.encrypt(associatedData: [], plaintext: [1])
        #expect(try receiver.decrypt(associatedData: [], ciphertext: last) == [1])
        #expect(throws: NoiseError.nonceExhausted) { try sender.encrypt(associatedData: [], plaintext: [1]) }
        #expect(throws: NoiseError.nonceExhausted) { try receiver.decrypt(associatedData: [], ciphertext: last) }
    }

    @Test func unkeyedStateIsIdentity() throws {
        var state = NoiseCipherState()
        #expect(!state.hasKey)
        #expect(try state.encrypt(associatedData: [9], plaintext: [1, 2]) == [1, 2])
        #expect(try state.decrypt(associatedData: [9], ciphertext: [3]) == [3])
    }

    @Test func handshakeOutOfTurnIsRefused() throws {
        var hs = NoiseHandshake(
            role: .responder, staticKey: X25519PrivateKey.generate(), ephemeralKey: X25519PrivateKey.generate())
        #expect(throws: NoiseError.invalidState) { try hs.writeMessage(payload: []) }
        #expect(throws: NoiseError.malformedHandshakeMessage) { try hs.readMessage([1, 2, 3]) }
        #expect(throws: NoiseError.invalidState) { try hs.split() }
        var initiator = NoiseHandshake(
            role: .initiator, staticKey: X25519PrivateKey.generate(), ephemeralKey: X25519PrivateKey.generate())
        #expect(throws: NoiseError.messageTooLarge) {
            try initiator.writeMessage(payload: [UInt8](repeating: 0, count: 65535 - 31))
        }
        // An all-zero ephemeral key from the remote is rejected.
        var responder = NoiseHandshake(
            role: .responder, staticKey: X25519PrivateKey.generate(), ephemeralKey: X25519PrivateKey.generate())
        _ = try responder.readMessage([UInt8](repeating: 0, count: 32))
        #expect(throws: NoiseError.invalidRemoteKey) { try responder.writeMessage(payload: []) }
    }
}

private struct KeyVectorFile: Decodable {
    struct Vector: Decodable {
        let key_type: String
        let public_key_protobuf_hex: String
    }
    let vectors: [Vector]
}
