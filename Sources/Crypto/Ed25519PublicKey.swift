import CSodium
import Wire

/// An Ed25519 public key (RFC 8032), 32 bytes.
public struct Ed25519PublicKey: Hashable, Sendable, CustomStringConvertible {
    /// The length of a public key.
    public static let byteCount = 32
    /// The length of a signature.
    public static let signatureByteCount = 64

    /// The 32-byte encoded point.
    public let rawRepresentation: [UInt8]

    /// Creates a key from its 32-byte encoding. Only the length is checked here; libsodium
    /// rejects small-order and non-canonical points when verifying.
    public init(rawRepresentation: [UInt8]) throws(CryptoError) {
        guard rawRepresentation.count == Self.byteCount else {
            throw .invalidKeyLength(expected: Self.byteCount, actual: rawRepresentation.count)
        }
        self.rawRepresentation = rawRepresentation
    }

    /// Whether `signature` is a valid Ed25519 signature of `message` by this key.
    /// Signatures that are not 64 bytes are invalid.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard signature.count == Self.signatureByteCount else { return false }
        Sodium.ensureInitialized()
        let rc = crypto_sign_verify_detached(signature, message, UInt64(message.count), rawRepresentation)
        return rc == 0
    }

    /// `Ed25519PublicKey(<hex>)`.
    public var description: String {
        "Ed25519PublicKey(\(Hex.encode(rawRepresentation)))"
    }
}
