import CSodium

/// An X25519 (RFC 7748) private key: 32 secret bytes and the matching public key.
///
/// Used for Noise static and ephemeral keys. The secret is zeroed when the key is released.
public final class X25519PrivateKey: @unchecked Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The length of private keys, public keys and shared secrets.
    public static let byteCount = 32

    private var secret: [UInt8]
    /// The 32-byte public key (`crypto_scalarmult_base`).
    public let publicKey: [UInt8]

    /// Uses `rawRepresentation` (32 bytes) as the private scalar; libsodium clamps it.
    /// - Throws: ``CryptoError/invalidKeyLength(expected:actual:)``.
    public init(rawRepresentation: [UInt8]) throws(CryptoError) {
        guard rawRepresentation.count == Self.byteCount else {
            throw .invalidKeyLength(expected: Self.byteCount, actual: rawRepresentation.count)
        }
        Sodium.ensureInitialized()
        var pub = [UInt8](repeating: 0, count: Self.byteCount)
        guard crypto_scalarmult_base(&pub, rawRepresentation) == 0 else {
            throw .libraryFailure("crypto_scalarmult_base")
        }
        self.secret = rawRepresentation
        self.publicKey = pub
    }

    deinit {
        SecureMemory.zero(&secret)
    }

    /// A fresh key from libsodium's secure random generator. For owners of state machines only:
    /// the machines are handed keys, they never generate them.
    public static func generate() -> X25519PrivateKey {
        var bytes = SecureRandom.bytes(byteCount)
        defer { SecureMemory.zero(&bytes) }
        // 32 bytes is the only length checked, so this cannot fail.
        guard let key = try? X25519PrivateKey(rawRepresentation: bytes) else {
            preconditionFailure("X25519 key generation failed")
        }
        return key
    }

    /// A copy of the private scalar. Secret: do not log it.
    public var rawRepresentation: [UInt8] { secret }

    /// The X25519 shared secret with `publicKey` (`crypto_scalarmult`).
    /// - Throws: ``CryptoError/invalidKeyLength(expected:actual:)`` for a public key that is not 32 bytes,
    ///   ``CryptoError/invalidSharedSecret`` when the result is all zeros (RFC 7748 §6.1).
    public func sharedSecret(with publicKey: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard publicKey.count == Self.byteCount else {
            throw .invalidKeyLength(expected: Self.byteCount, actual: publicKey.count)
        }
        var out = [UInt8](repeating: 0, count: Self.byteCount)
        let rc = crypto_scalarmult(&out, secret, publicKey)
        guard rc == 0, sodium_is_zero(out, out.count) == 0 else {
            SecureMemory.zero(&out)
            throw .invalidSharedSecret
        }
        return out
    }

    /// Redacted: names the public key only.
    public var description: String { "X25519PrivateKey(<redacted>, public: \(Self.hex(publicKey)))" }

    /// Redacted, as ``description``.
    public var debugDescription: String { description }

    /// No children: the secret never shows up in a dump.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .class) }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var s = ""
        for b in bytes {
            s.append(digits[Int(b >> 4)])
            s.append(digits[Int(b & 0x0f)])
        }
        return s
    }
}
