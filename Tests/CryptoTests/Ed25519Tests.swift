import Testing
import Wire

@testable import Crypto

/// RFC 8032 §7.1 test vectors 1–3 (seed, public key, message, signature).
private let rfc8032: [(seed: String, pub: String, msg: String, sig: String)] = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"
    ),
]

@Suite struct Ed25519Tests {
    @Test(arguments: 0..<3)
    func rfc8032Vectors(index: Int) throws {
        let v = rfc8032[index]
        let key = try Ed25519PrivateKey(seed: Hex.decode(v.seed))
        #expect(Hex.encode(key.publicKey.rawRepresentation) == v.pub)
        #expect(Hex.encode(key.libp2pBytes) == v.seed + v.pub)
        #expect(Hex.encode(key.seed) == v.seed)
        let msg = try Hex.decode(v.msg)
        let sig = key.sign(msg)
        #expect(Hex.encode(sig) == v.sig)
        let pub = try Ed25519PublicKey(rawRepresentation: Hex.decode(v.pub))
        #expect(pub.isValidSignature(sig, for: msg))
        #expect(!pub.isValidSignature(sig, for: msg + [0]))
        var tampered = sig
        tampered[0] ^= 1
        #expect(!pub.isValidSignature(tampered, for: msg))
        #expect(!pub.isValidSignature(Array(sig.prefix(63)), for: msg))
    }

    /// key_signatures.json's Ed25519 case (the libp2p/specs peer-ids test key).
    @Test func libp2pFixtureSignature() throws {
        let key = try Ed25519PrivateKey(
            libp2pBytes: Hex.decode(
                "7e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e"
            ))
        let sig = key.sign(Array("Libp2p is the _best_!".utf8))
        #expect(
            Hex.encode(sig)
                == "403c6e2b600b7a32ed02cd14e0035c3b150518033e8cb5219a574bf513f04cc434c5be526bd0ecbc3102372a16492941f52480c7925fccdde9dcd871dfbfe104"
        )
        #expect(key.publicKey.isValidSignature(sig, for: Array("Libp2p is the _best_!".utf8)))
        #expect(!key.publicKey.isValidSignature(sig, for: Array("Libp2p is the _best_?".utf8)))
    }

    @Test func rejectsBadKeyBytes() throws {
        #expect(throws: CryptoError.invalidKeyLength(expected: 32, actual: 31)) {
            try Ed25519PrivateKey(seed: [UInt8](repeating: 1, count: 31))
        }
        #expect(throws: CryptoError.invalidKeyLength(expected: 64, actual: 32)) {
            try Ed25519PrivateKey(libp2pBytes: [UInt8](repeating: 1, count: 32))
        }
        #expect(throws: CryptoError.invalidKeyLength(expected: 32, actual: 33)) {
            try Ed25519PublicKey(rawRepresentation: [UInt8](repeating: 1, count: 33))
        }
        var bytes = try Hex.decode(rfc8032[0].seed + rfc8032[0].pub)
        bytes[63] ^= 1
        #expect(throws: CryptoError.publicKeyMismatch) { try Ed25519PrivateKey(libp2pBytes: bytes) }
    }

    @Test func generatedKeysSignAndNeverPrintSecrets() throws {
        let key = Ed25519PrivateKey.generate()
        let other = Ed25519PrivateKey.generate()
        #expect(key.libp2pBytes != other.libp2pBytes)
        let restored = try Ed25519PrivateKey(libp2pBytes: key.libp2pBytes)
        #expect(restored.publicKey == key.publicKey)
        #expect(key.publicKey.isValidSignature(key.sign([1, 2, 3]), for: [1, 2, 3]))
        let secretHex = Hex.encode(key.seed)
        var dumped = ""
        dump(key, to: &dumped)
        for text in [key.description, key.debugDescription, String(describing: key), String(reflecting: key), dumped] {
            #expect(!text.contains(secretHex))
            #expect(!text.contains(Hex.encode(key.seed.prefix(8))))
        }
        #expect(key.description.contains("redacted"))
    }
}

@Suite struct HashAndRandomTests {
    @Test func sha256() {
        #expect(
            Hex.encode(SHA256.hash(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.encode(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            Hex.encode(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func secureRandom() {
        #expect(SecureRandom.bytes(0).isEmpty)
        #expect(SecureRandom.bytes(-5).isEmpty)
        let a = SecureRandom.bytes(32)
        #expect(a.count == 32 && a != SecureRandom.bytes(32))
    }
}
