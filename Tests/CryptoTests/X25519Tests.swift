import Testing
import Wire

@testable import Crypto

@Suite struct X25519Tests {
    /// RFC 7748 §5.2, first scalar-multiplication vector.
    @Test func rfc7748ScalarMultiplication() throws {
        let key = try X25519PrivateKey(
            rawRepresentation: Hex.decode("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"))
        let out = try key.sharedSecret(
            with: Hex.decode("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"))
        #expect(Hex.encode(out) == "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")
    }

    /// RFC 7748 §6.1 Diffie-Hellman.
    @Test func rfc7748DiffieHellman() throws {
        let alice = try X25519PrivateKey(
            rawRepresentation: Hex.decode("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
        let bob = try X25519PrivateKey(
            rawRepresentation: Hex.decode("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"))
        #expect(Hex.encode(alice.publicKey) == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        #expect(Hex.encode(bob.publicKey) == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        let shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
        #expect(try Hex.encode(alice.sharedSecret(with: bob.publicKey)) == shared)
        #expect(try Hex.encode(bob.sharedSecret(with: alice.publicKey)) == shared)
    }

    @Test func rejectsLowOrderPointsAndBadLengths() throws {
        let key = X25519PrivateKey.generate()
        #expect(throws: CryptoError.invalidSharedSecret) {
            try key.sharedSecret(with: [UInt8](repeating: 0, count: 32))
        }
        var one = [UInt8](repeating: 0, count: 32)
        one[0] = 1
        #expect(throws: CryptoError.invalidSharedSecret) { try key.sharedSecret(with: one) }
        #expect(throws: CryptoError.invalidKeyLength(expected: 32, actual: 31)) {
            try key.sharedSecret(with: [UInt8](repeating: 9, count: 31))
        }
        #expect(throws: CryptoError.invalidKeyLength(expected: 32, actual: 0)) {
            try X25519PrivateKey(rawRepresentation: [])
        }
        #expect(!String(describing: key).contains(Hex.encode(key.rawRepresentation)))
    }
}
