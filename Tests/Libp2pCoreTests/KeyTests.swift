import Crypto
import Testing
import Wire

@testable import Libp2pCore

@Suite struct KeyTests {
    let seedHex = "7e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d"
    let pubHex = "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e"

    @Test func keySignatureVectors() throws {
        let v = try VectorLoader.load(KeySignatureVectors.self, "key_signatures")
        let negative = Array(v.negative.message_utf8.utf8)
        for c in v.vectors {
            let pub = try Libp2pPublicKey(protobufBytes: Hex.decode(c.public_key_protobuf_hex))
            #expect(pub.type.rawValue == c.key_type_enum)
            let message = try Hex.decode(c.message_hex)
            let signature = try Hex.decode(c.signature_hex)
            #expect(try pub.isValidSignature(signature, for: message))
            #expect(try !pub.isValidSignature(signature, for: negative))
            // Only Ed25519 private keys are supported; the other vectors check verification only.
            guard pub.type == .ed25519 else { continue }
            let priv = try Libp2pPrivateKey(protobufBytes: Hex.decode(c.private_key_protobuf_hex))
            #expect(priv.sign(message) == signature)
        }
    }

    @Test func protobufEncodingIsDeterministic() throws {
        // RSA = 0 still writes field 1 (required, has presence).
        #expect(
            Hex.encode(PublicKeyProtobuf(type: .rsa, data: [0xAA]).bytes)
                == "080012 01aa".replacingOccurrences(of: " ", with: ""))
        // Unknown fields are skipped; field order on input does not matter; output is canonical.
        let shuffled = try Hex.decode("1220" + pubHex + "1801" + "0801" + "2a00")
        let key = try Libp2pPublicKey(protobufBytes: shuffled)
        #expect(Hex.encode(key.protobufBytes) == "08011220" + pubHex)
        #expect(key.peerID.base58 == "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq")
    }

    @Test(arguments: [
        ("1220" + String(repeating: "00", count: 32), KeyError.missingType),
        ("0801", .missingData),
        ("0809" + "1201aa", .unknownKeyType(9)),
        ("0a0101" + "1201aa", .malformedProtobuf(.unexpectedWireType(field: 1))),
        ("0801" + "1221" + String(repeating: "00", count: 33), .invalidKeyData(.ed25519)),
        ("0802" + "1221" + "04" + String(repeating: "00", count: 32), .invalidKeyData(.secp256k1)),
        ("0803" + "1200", .invalidKeyData(.ecdsa)),
        ("0801" + "1205aa", .malformedProtobuf(.truncated)),
        ("0b", .malformedProtobuf(.unsupportedWireType(3))),
        ("1001", .malformedProtobuf(.unexpectedWireType(field: 2))),
    ])
    func publicKeyRejects(hex: String, error: KeyError) throws {
        let bytes = try Hex.decode(hex)
        #expect(throws: error) { try Libp2pPublicKey(protobufBytes: bytes) }
    }

    @Test func sizeLimitCheckedFirst() {
        let big = [UInt8](repeating: 0, count: PublicKeyProtobuf.maxEncodedSize + 1)
        #expect(throws: KeyError.protobufTooLarge(limit: 16 * 1024)) { try PublicKeyProtobuf(bytes: big) }
        #expect(throws: KeyError.protobufTooLarge(limit: 16 * 1024)) { try Libp2pPrivateKey(protobufBytes: big) }
    }

    @Test func privateKeyForms() throws {
        let canonical = try Hex.decode("08011240" + seedHex + pubHex)
        let key = try Libp2pPrivateKey(protobufBytes: canonical)
        // Legacy 96-byte form seed||pub||pub is accepted and re-encoded as 64 bytes.
        let legacy = try Libp2pPrivateKey(protobufBytes: Hex.decode("08011260" + seedHex + pubHex + pubHex))
        #expect(legacy.protobufBytes == canonical && legacy.peerID == key.peerID)
        let otherPub = String(repeating: "11", count: 32)
        #expect(throws: KeyError.invalidKeyData(.ed25519)) {
            try Libp2pPrivateKey(protobufBytes: Hex.decode("08011260" + seedHex + pubHex + otherPub))
        }
        #expect(throws: KeyError.crypto(.publicKeyMismatch)) {
            try Libp2pPrivateKey(protobufBytes: Hex.decode("08011240" + seedHex + otherPub))
        }
        // Seed-only data is not a libp2p form (go and rust reject it too).
        #expect(throws: KeyError.invalidKeyData(.ed25519)) {
            try Libp2pPrivateKey(protobufBytes: Hex.decode("08011220" + seedHex))
        }
    }

    @Test func generatedIdentity() throws {
        let key = Libp2pPrivateKey.generateEd25519()
        let restored = try Libp2pPrivateKey(protobufBytes: key.protobufBytes)
        #expect(restored.peerID == key.peerID)
        #expect(key.peerID.base58.hasPrefix("12D3KooW"))
        #expect(key.peerID.publicKey == key.publicKey)
        let sig = key.sign([1, 2, 3])
        #expect(try key.publicKey.isValidSignature(sig, for: [1, 2, 3]))
        let secret = Hex.encode(key.ed25519.seed)
        var dumped = ""
        dump(key, to: &dumped)
        var dumpedMessage = ""
        dump(PrivateKeyProtobuf(type: .ed25519, data: key.ed25519.libp2pBytes), to: &dumpedMessage)
        for text in [
            key.description, String(reflecting: key), dumped, dumpedMessage,
            String(describing: PrivateKeyProtobuf(type: .ed25519, data: key.ed25519.libp2pBytes)),
        ] {
            #expect(!text.contains(secret) && !text.contains("\(key.ed25519.seed.prefix(4).map { $0 })"))
        }
    }
}
