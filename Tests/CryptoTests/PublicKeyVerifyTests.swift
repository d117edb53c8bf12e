import Crypto
import Testing
import Wire

/// DER helpers for building SubjectPublicKeyInfo fixtures in the tests.
enum DER {
    static func length(_ n: Int) -> [UInt8] {
        n < 0x80 ? [UInt8(n)] : n < 0x100 ? [0x81, UInt8(n)] : [0x82, UInt8(n >> 8), UInt8(n & 0xFF)]
    }
    static func tlv(_ tag: UInt8, _ body: [UInt8]) -> [UInt8] { [tag] + length(body.count) + body }

    /// An RSA SPKI with a `bits`-bit odd modulus (not a product of primes; parsing does not care).
    static func rsaSPKI(bits: Int, exponent: [UInt8] = [0x01, 0x00, 0x01]) -> [UInt8] {
        var n = [UInt8](repeating: 0xA5, count: bits / 8)
        n[0] = 0xC3
        n[n.count - 1] |= 1
        let key = tlv(0x30, tlv(0x02, [0] + n) + tlv(0x02, exponent))
        let algorithm = tlv(0x30, tlv(0x06, [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]) + [0x05, 0x00])
        return tlv(0x30, algorithm + tlv(0x03, [0] + key))
    }
}

@Suite struct PublicKeyVerifyTests {
    let message = Array("Libp2p is the _best_!".utf8)
    let tampered = Array("Libp2p is the _best_?".utf8)

    // go-libp2p core/crypto/test_data/2 (secp256k1) and 3 (ECDSA P-256); see key_signatures.json.
    let k1Compressed = "023540ad842af8a43551a94d8383a555a99226506b88f953d2e70316a3a1b3d6a2"
    let k1Uncompressed =
        "043540ad842af8a43551a94d8383a555a99226506b88f953d2e70316a3a1b3d6a2"
        + "21492822e949cbfdf0f47279c2e0e6e05052fc948806f2f274e11b3943a5b612"
    let k1Signature =
        "3044022031a7d633c2f3e45a16128d43751afaa8dc9ba24092c5f5b3cad2c8fe4cf388f2"
        + "022049ea8d219f458683d24775d543ea8fb290704347fb35493c403bc2c259b29d9e"
    /// The same signature with s replaced by n - s (high-S).
    let k1HighS =
        "3045022031a7d633c2f3e45a16128d43751afaa8dc9ba24092c5f5b3cad2c8fe4cf388f2"
        + "022100b61572de60ba797c2db88a2abc15704c2a3e999eb41356ff7f969bca7683a3a3"
    /// The same signature with a redundant 00 before r (BER, not DER).
    let k1Padded =
        "304502210031a7d633c2f3e45a16128d43751afaa8dc9ba24092c5f5b3cad2c8fe4cf388f2"
        + "022049ea8d219f458683d24775d543ea8fb290704347fb35493c403bc2c259b29d9e"

    let p256SPKI =
        "3059301306072a8648ce3d020106082a8648ce3d03010703420004e29a8674f3614e0ccb72406bfe2137e9f8c5f7d62d137f0a2edd"
        + "233e35374777fd1f9aed4d2cfa7371caafc6ef02db83b81f77cfe1bcd8c715acf0b9a2778ea9"
    let p256Signature =
        "3046022100846a6685b9e72b560cb2fc4a75f9cbc38a90aaeaa7f3f25ee719832db7b93a65022100cd992bb7bd2bcc28c7db04987d"
        + "10adc490fe348270954f7696cb0dffff0dfc3d"
    /// The P-256 vector's s is high; this is n - s (low-S), which must verify too.
    let p256LowS =
        "3045022100846a6685b9e72b560cb2fc4a75f9cbc38a90aaeaa7f3f25ee719832db7b93a6502203266d44742d433d83824fb6782"
        + "ef523b2be8c62b36824f0e5ceebcc2fd552914"
    let p256CompressedSPKI =
        "3039301306072a8648ce3d020106082a8648ce3d03010703220003e29a8674f3614e0ccb72406bfe2137e9f8c5f7d62d137f0a2edd"
        + "233e35374777"
    // Generated with `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384` and `openssl dgst -sha256`.
    let p384SPKI =
        "3076301006072a8648ce3d020106052b810400220362000476a6e15163fc68940291a446138237630f174876420bc7320de2374a0b"
        + "30ac3dd1ca98497db07e424ce686b804e1680ba495d7b78a5efbe8bdada07e2e04f273bf078acf03f8973e7202301c5412e82606"
        + "1300c42db56155450c3fb6c82cb10f"
    let p384Signature =
        "3066023100b97e9eba30b814fab89a3e26e416bdb7d49a916745b8333f841ec725a5e60680d8a9a19cc39ef3dad3f34cbb35b3ec"
        + "75023100aa1bd1ade860ce880e3e91a8b5c0eb7b597060471365f9499ff214855fde9c0f39d9329fb8e5b9ad0b96418e3cd0a5d6"
    let p224SPKI =
        "304e301006072a8648ce3d020106052b81040021033a0004b42f96fefb7836deab4196302b659f09f9757d47adee1d61890f61bd"
        + "e60e2cd8e7d05829e556df41dec4b86dc30a94d3f1f185bcea2d9a4e"
    // `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024`, public half.
    let rsa1024SPKI =
        "30819f300d06092a864886f70d010101050003818d0030818902818100e36ee6b32df2333f8120c2891eb82dd9362ba87ff94c5f"
        + "769944980b9d0116995c7071b9a95deb2ffafcca810535fb0dc4d5123d87b677c41c8b292e4e5cdb2300bee99c3254a9b41450a6"
        + "be27d84337ae501f6b3bc927047d6d90f975c05e9e15f795d4024ef4b79c179ee5dd9e33ed3fd4eab04fab9facd5def2153b4c20"
        + "9d0203010001"

    @Test func secp256k1CompressedAndUncompressed() throws {
        let compressed = try Secp256k1PublicKey(bytes: Hex.decode(k1Compressed))
        let uncompressed = try Secp256k1PublicKey(bytes: Hex.decode(k1Uncompressed))
        #expect(compressed == uncompressed)
        #expect(uncompressed.compressedRepresentation == (try Hex.decode(k1Compressed)))
        for key in [compressed, uncompressed] {
            #expect(key.isValidSignature(try Hex.decode(k1Signature), for: message))
            #expect(!key.isValidSignature(try Hex.decode(k1Signature), for: tampered))
        }
    }

    @Test func secp256k1SignatureEncoding() throws {
        let key = try Secp256k1PublicKey(bytes: Hex.decode(k1Compressed))
        // High-S accepted like go-libp2p (decred ParseDERSignature/Verify); rust-libp2p would refuse it.
        #expect(key.isValidSignature(try Hex.decode(k1HighS), for: message))
        // Non-DER (padded integer) refused, as by go.
        #expect(!key.isValidSignature(try Hex.decode(k1Padded), for: message))
        #expect(!key.isValidSignature([], for: message))
        #expect(!key.isValidSignature(try Hex.decode(k1Signature) + [0], for: message))
        #expect(!key.isValidSignature([UInt8](repeating: 0x30, count: 73), for: message))
    }

    @Test func secp256k1RejectsBadPoints() throws {
        var offCurve = try Hex.decode(k1Uncompressed)
        offCurve[64] ^= 0x01
        let xAboveP = [0x02] + [UInt8](repeating: 0xFF, count: 32)
        var hybrid = try Hex.decode(k1Uncompressed)
        hybrid[0] = 0x06
        for bad in [offCurve, xAboveP, hybrid, [0x05] + Array(try Hex.decode(k1Compressed).dropFirst()), [], [0x02]] {
            #expect(throws: CryptoError.self) { try Secp256k1PublicKey(bytes: bad) }
        }
    }

    @Test func ecdsaP256() throws {
        let key = try ECDSAPublicKey(derRepresentation: Hex.decode(p256SPKI))
        #expect(key.curve == "prime256v1")
        #expect(key.isValidSignature(try Hex.decode(p256Signature), for: message))
        #expect(key.isValidSignature(try Hex.decode(p256LowS), for: message))
        #expect(!key.isValidSignature(try Hex.decode(p256Signature), for: tampered))
        #expect(!key.isValidSignature(try Hex.decode(k1Signature), for: message))
        #expect(!key.isValidSignature([], for: message))
    }

    @Test func ecdsaP384() throws {
        let key = try ECDSAPublicKey(derRepresentation: Hex.decode(p384SPKI))
        #expect(key.curve == "secp384r1")
        #expect(key.isValidSignature(try Hex.decode(p384Signature), for: message))
        #expect(!key.isValidSignature(try Hex.decode(p384Signature), for: tampered))
    }

    @Test func ecdsaRejectsOtherKeys() throws {
        var trailing = try Hex.decode(p256SPKI)
        trailing[1] -= 1  // outer length one short: a trailing byte after the SPKI
        var badPoint = try Hex.decode(p256SPKI)
        badPoint[badPoint.count - 1] ^= 0x01
        let secp256k1SPKI = try Hex.decode("3056301006072a8648ce3d020106052b8104000a034200" + k1Uncompressed)
        for bad in [
            try Hex.decode(p256CompressedSPKI), try Hex.decode(p224SPKI), try Hex.decode(rsa1024SPKI), trailing,
            badPoint, secp256k1SPKI, [], [0x30],
        ] {
            #expect(throws: CryptoError.self) { try ECDSAPublicKey(derRepresentation: bad) }
        }
    }

    @Test func rsaSizeLimits() throws {
        // 1024 bits: its 162-byte SPKI is below the 2048-bit minimum length, also refused before parsing.
        #expect(throws: CryptoError.unsupportedKeySize(bits: nil)) {
            try RSAPublicKey(derRepresentation: Hex.decode(rsa1024SPKI))
        }
        // 16384 bits: refused by length, before OpenSSL parses it.
        let huge = DER.rsaSPKI(bits: 16384)
        #expect(huge.count > RSAPublicKey.maxDERByteCount)
        #expect(throws: CryptoError.unsupportedKeySize(bits: nil)) { try RSAPublicKey(derRepresentation: huge) }
        // Within the length window but over the bit limit: refused after parsing, with the size.
        #expect(throws: CryptoError.unsupportedKeySize(bits: 8200)) {
            try RSAPublicKey(derRepresentation: DER.rsaSPKI(bits: 8200))
        }
        for bits in [2048, 3072, 4096, 8192] {
            let key = try RSAPublicKey(derRepresentation: DER.rsaSPKI(bits: bits))
            #expect(key.bits == bits)
            #expect(!key.isValidSignature([UInt8](repeating: 1, count: bits / 8), for: message))
        }
    }

    @Test func rsaExponentLimits() throws {
        for e: [UInt8] in [[0x01], [0x00], [0x00, 0x80, 0x00, 0x00, 0x00]] {
            #expect(throws: CryptoError.self) {
                try RSAPublicKey(derRepresentation: DER.rsaSPKI(bits: 2048, exponent: e))
            }
        }
        _ = try RSAPublicKey(derRepresentation: DER.rsaSPKI(bits: 2048, exponent: [0x03]))
        _ = try RSAPublicKey(derRepresentation: DER.rsaSPKI(bits: 2048, exponent: [0x7F, 0xFF, 0xFF, 0xFF]))
    }
}
