import Crypto
import TestSupport
import Testing
import Wire

@testable import Libp2pCore

@Suite struct KeyVerifyTests {
    let vectors: KeySignatureVectors

    init() throws {
        vectors = try VectorLoader.load(KeySignatureVectors.self, "key_signatures")
    }

    func vector(_ type: String) throws -> KeySignatureVectors.Vector {
        try #require(vectors.vectors.first { $0.key_type == type })
    }

    @Test func uncompressedSecp256k1IsReencodedCompressed() throws {
        let v = try vector("secp256k1")
        let compressed = try Libp2pPublicKey(protobufBytes: Hex.decode(v.public_key_protobuf_hex))
        let uncompressed = try Hex.decode(
            "043540ad842af8a43551a94d8383a555a99226506b88f953d2e70316a3a1b3d6a2"
                + "21492822e949cbfdf0f47279c2e0e6e05052fc948806f2f274e11b3943a5b612")
        let key = try Libp2pPublicKey(protobufBytes: PublicKeyProtobuf(type: .secp256k1, data: uncompressed).bytes)
        #expect(key == compressed)
        #expect(key.data.count == 33)
        #expect(key.peerID.base58 == "16Uiu2HAky1YnjeGryCtGu69pvjeHXSwTHUgDNFF4zxtD5WrCPury")
        #expect(try key.isValidSignature(Hex.decode(v.signature_hex), for: Hex.decode(v.message_hex)))
    }

    @Test func rsaSizeRefusedAtParse() throws {
        let huge = PublicKeyProtobuf(type: .rsa, data: DERFixture.rsaSPKI(bits: 16384)).bytes
        #expect(throws: KeyError.crypto(.unsupportedKeySize(bits: nil))) { try Libp2pPublicKey(protobufBytes: huge) }
        let small = PublicKeyProtobuf(type: .rsa, data: DERFixture.rsaSPKI(bits: 1024)).bytes
        #expect(throws: KeyError.crypto(.unsupportedKeySize(bits: nil))) { try Libp2pPublicKey(protobufBytes: small) }
        let ok = try Libp2pPublicKey(
            protobufBytes: PublicKeyProtobuf(type: .rsa, data: DERFixture.rsaSPKI(bits: 8192)).bytes)
        #expect(ok.type == .rsa)
    }

    @Test func wrongTypeDataIsRejected() throws {
        let ecdsa = try vector("ecdsa")
        let ecdsaDER = try Libp2pPublicKey(protobufBytes: Hex.decode(ecdsa.public_key_protobuf_hex)).data
        let rsa = try vector("rsa")
        let rsaDER = try Libp2pPublicKey(protobufBytes: Hex.decode(rsa.public_key_protobuf_hex)).data
        // An ECDSA SPKI is too short to hold a 2048-bit modulus: refused by length.
        #expect(throws: KeyError.crypto(.unsupportedKeySize(bits: nil))) {
            try Libp2pPublicKey(type: .rsa, data: ecdsaDER)
        }
        var notRSA = rsaDER
        notRSA[16] = 0x0A  // rsaEncryption OID 1.2.840.113549.1.1.1 -> ...1.1.10 (RSASSA-PSS)
        #expect(throws: KeyError.invalidKeyData(.rsa)) { try Libp2pPublicKey(type: .rsa, data: notRSA) }
        #expect(throws: KeyError.invalidKeyData(.ecdsa)) { try Libp2pPublicKey(type: .ecdsa, data: rsaDER) }
        #expect(throws: KeyError.invalidKeyData(.secp256k1)) { try Libp2pPublicKey(type: .secp256k1, data: ecdsaDER) }
    }

    /// Random key bytes, random signatures and mutated valid signatures: always a thrown error or `false`.
    @Test func garbageNeverTrapsOrVerifies() throws {
        var rng = SeededGenerator.fromEnvironment("KeyVerifyTests.garbage")
        for v in vectors.vectors {
            let valid = try Libp2pPublicKey(protobufBytes: Hex.decode(v.public_key_protobuf_hex))
            let message = try Hex.decode(v.message_hex)
            let signature = try Hex.decode(v.signature_hex)
            for _ in 0..<200 {
                // Garbage or mutated key data.
                var data = valid.data
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: data = rng.bytes(maxCount: 1200)
                case 1: data[Int.random(in: 0..<data.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                case 2: data = Array(data.prefix(Int.random(in: 0..<data.count, using: &rng)))
                default: data += rng.bytes(maxCount: 8) + [0]
                }
                if let key = try? Libp2pPublicKey(type: valid.type, data: data), key != valid {
                    #expect(
                        try !key.isValidSignature(signature, for: message),
                        "\(valid.type) \(Hex.encode(data)) vs \(Hex.encode(valid.data))")
                }
                // Garbage or mutated signatures under the valid key.
                var sig = signature
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: sig = rng.bytes(maxCount: 1100)
                case 1: sig[Int.random(in: 0..<sig.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                case 2: sig = Array(sig.prefix(Int.random(in: 0..<sig.count, using: &rng)))
                default: sig += rng.bytes(maxCount: 8) + [0]
                }
                #expect(try !valid.isValidSignature(sig, for: message))
            }
        }
    }
}

/// DER SubjectPublicKeyInfo builder for RSA size fixtures (the modulus need not be a real RSA modulus to parse).
enum DERFixture {
    static func tlv(_ tag: UInt8, _ body: [UInt8]) -> [UInt8] {
        let n = body.count
        let length: [UInt8] =
            n < 0x80 ? [UInt8(n)] : n < 0x100 ? [0x81, UInt8(n)] : [0x82, UInt8(n >> 8), UInt8(n & 0xFF)]
        return [tag] + length + body
    }

    static func rsaSPKI(bits: Int) -> [UInt8] {
        var n = [UInt8](repeating: 0xA5, count: bits / 8)
        n[0] = 0xC3
        n[n.count - 1] |= 1
        let key = tlv(0x30, tlv(0x02, [0] + n) + tlv(0x02, [0x01, 0x00, 0x01]))
        let algorithm = tlv(0x30, tlv(0x06, [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]) + [0x05, 0x00])
        return tlv(0x30, algorithm + tlv(0x03, [0] + key))
    }
}
