import Crypto
import TestSupport
import Testing
import Wire

@testable import Libp2pCore

@Suite struct PeerIDTests {
    let pubHex = "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e"

    @Test func rejectsBadMultihashes() throws {
        let inline = "0024" + "08011220" + pubHex
        #expect(throws: PeerIDError.malformedMultihash(.trailingBytes)) {
            try PeerID(multihashBytes: Hex.decode(inline + "00"))
        }
        #expect(throws: PeerIDError.malformedMultihash(.truncated)) {
            try PeerID(multihashBytes: Hex.decode("1220" + "00"))
        }
        #expect(throws: PeerIDError.malformedMultihash(.truncated)) { try PeerID(multihashBytes: []) }
        #expect(throws: PeerIDError.unsupportedMultihashCode(0x13)) {
            try PeerID(multihashBytes: Hex.decode("1320" + String(repeating: "00", count: 32)))
        }
        #expect(throws: PeerIDError.invalidDigestLength(code: 0x12, length: 31)) {
            try PeerID(multihashBytes: Hex.decode("121f" + String(repeating: "00", count: 31)))
        }
        #expect(throws: PeerIDError.invalidDigestLength(code: 0, length: 43)) {
            try PeerID(multihashBytes: Hex.decode("002b" + String(repeating: "00", count: 43)))
        }
        #expect(throws: PeerIDError.invalidInlineKey(.missingType)) { try PeerID(multihashBytes: Hex.decode("0000")) }
        // A non-canonical (but parseable) inline key cannot be anyone's peer ID.
        #expect(throws: PeerIDError.nonCanonicalInlineKey) {
            try PeerID(multihashBytes: Hex.decode("0026" + "08011220" + pubHex + "1800"))
        }
    }

    @Test func rejectsBadText() {
        #expect(throws: PeerIDError.invalidEncoding(.truncated)) { try PeerID(base58: "") }
        #expect(throws: PeerIDError.invalidEncoding(.invalidCharacter)) { try PeerID(string: "12D3KooW0") }
        #expect(throws: PeerIDError.invalidEncoding(.inputTooLarge(limit: 128))) {
            try PeerID(string: "1" + String(repeating: "z", count: 200))
        }
        #expect(throws: PeerIDError.unsupportedTextForm) { try PeerID(string: "") }
        #expect(throws: PeerIDError.unsupportedTextForm) { try PeerID(string: "zQm") }
    }

    @Test func randomInputNeverTraps() throws {
        var rng = SeededGenerator.fromEnvironment("PeerID/keys")
        let valid = try Hex.decode("0024" + "08011220" + pubHex)
        for _ in 0..<5_000 {
            let junk = rng.bytes(maxCount: 48)
            _ = try? PeerID(multihashBytes: junk)
            _ = try? PublicKeyProtobuf(bytes: junk)
            _ = try? Libp2pPublicKey(protobufBytes: junk)
            _ = try? Libp2pPrivateKey(protobufBytes: junk)
            _ = try? PeerID(string: String(decoding: junk, as: UTF8.self))
            _ = try? PeerID(string: "1" + Base58.encode(junk))
            // Mutate one byte of a valid inline peer ID: either still valid or a clean error.
            var mutated = valid
            let i = Int.random(in: 0..<mutated.count, using: &rng)
            mutated[i] = UInt8.random(in: 0...255, using: &rng)
            if let id = try? PeerID(multihashBytes: mutated) {
                #expect(id.publicKey?.peerID == id, "seed \(rng.seed)")
            }
        }
    }
}
