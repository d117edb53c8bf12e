/// Errors thrown by the `Crypto` module.
public enum CryptoError: Error, Equatable, Sendable {
    /// Key material had the wrong length.
    case invalidKeyLength(expected: Int, actual: Int)
    /// The public half of a 64-byte Ed25519 private key does not match the key derived from its seed.
    case publicKeyMismatch
    /// Public key bytes were malformed or not of the supported form (the reason says which).
    case invalidPublicKey(String)
    /// An RSA key outside 2048...8192 bits; `bits` is nil when the encoding was refused by length before parsing.
    case unsupportedKeySize(bits: Int?)
    /// libsodium reported a failure where none was expected.
    case libraryFailure(String)
    /// An X25519 exchange produced the all-zero shared secret (a low-order or zero public key).
    case invalidSharedSecret
    /// An AEAD ciphertext was too short or its authentication tag did not verify.
    case authenticationFailed
}
