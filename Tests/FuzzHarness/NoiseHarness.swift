import Crypto
import Libp2pCore
import Noise
import Wire

/// Noise: the handshake payload codec and the responder state machine.
public enum NoiseHarness {
    /// The responder's keys of Tests/NoiseTests/Vectors/noise_libp2p_handshake.json, so the seeds (the initiator's
    /// messages of that transcript) complete the handshake.
    static let identity = try! Libp2pPrivateKey(
        protobufBytes: Hex.decode(
            "0801124095f833650cd59fb7b9edc230ba229ade049d16b697cdfa9f3f0b8848423ad20d51590478d3718e2b16bbb3f77a443baa26b6e789d15026b6efd3aaf2220cb10c"
        ))
    static let staticKey = try! X25519PrivateKey(
        rawRepresentation: Hex.decode("2d5d18b608c9b4ecfbebf7edfd2e19984d1d025a1f947fb071f52223da1594a4"))
    static let ephemeralKey = try! X25519PrivateKey(
        rawRepresentation: Hex.decode("e366d7898b9aec64f3c6934678427b81ef54a8fbf01d70ffbbb1fd4f4a906e49"))

    /// `NoiseHandshakePayload(bytes:)`: a decoded payload re-encodes to bytes that decode to the same payload.
    public static func payload(_ bytes: [UInt8], check: FuzzCheck) {
        guard let payload = try? NoiseHandshakePayload(bytes: bytes) else { return }
        let encoded = payload.bytes
        check((try? NoiseHandshakePayload(bytes: encoded)) == payload, "payload re-decodes differently")
        check(encoded.count <= bytes.count, "re-encoding (\(encoded.count)) longer than the input (\(bytes.count))")
    }

    /// A `NoiseMachine` responder with fixed keys fed the input in random splits (seeded by its first byte): it
    /// never traps, a failure is reported once and stays (no output, no plaintext afterwards), plaintext only comes
    /// once established, and an established machine knows its remote peer.
    public static func responder(_ bytes: [UInt8], check: FuzzCheck) {
        var machine = NoiseMachine(
            role: .responder, identity: identity, staticKey: staticKey, ephemeralKey: ephemeralKey)
        let started = machine.start()
        check(started == NoiseOutput(), "responder start produced output")
        var fed = 0
        var plaintext = 0
        for chunk in Chunks.split(bytes, maxChunk: 96) {
            let wasFailed = machine.isFailed
            let wasEstablished = machine.isEstablished
            let out = machine.receive(chunk)
            fed += chunk.count
            check(!(machine.isFailed && machine.isEstablished), "failed and established at once")
            if wasFailed {
                check(machine.isFailed, "a failed machine recovered")
                check(out == NoiseOutput(), "a failed machine produced output")
                continue
            }
            if case .failed = out.event { check(machine.isFailed, "failure event without the failed state") }
            if machine.isFailed { check(out.event != nil, "failed without a failure event") }
            if wasEstablished { check(machine.isEstablished || machine.isFailed, "established machine regressed") }
            if case .handshakeComplete = out.event {
                check(!wasEstablished && machine.isEstablished, "handshakeComplete outside the handshake")
            }
            if !out.decryptedPlaintext.isEmpty {
                check(machine.isEstablished || machine.isFailed, "plaintext before the handshake completed")
            }
            if machine.isEstablished {
                check(machine.remotePeer != nil && machine.handshakeHash != nil, "established without a peer")
                check(
                    machine.remotePublicKey.map { machine.remotePeer == $0.peerID } == true,
                    "remote peer does not match its key")
            }
            plaintext += out.decryptedPlaintext.count
            check(plaintext <= fed, "more plaintext (\(plaintext)) than bytes fed (\(fed))")
        }
    }
}
