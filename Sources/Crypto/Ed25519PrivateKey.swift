import CSodium

/// An Ed25519 private key (RFC 8032).
///
/// The 64-byte libsodium secret key (`seed || public key`) lives in memory this object owns and
/// is wiped with `sodium_memzero` when the object is released. It never appears in
/// `description`, `debugDescription` or `dump` output. Accessors that return the secret as an
/// array (``libp2pBytes``, ``seed``) hand out a copy the caller is responsible for.
public final class Ed25519PrivateKey: @unchecked Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The length of a seed.
    public static let seedByteCount = 32
    /// The length of the libp2p / libsodium secret key form (`seed || public key`).
    public static let libp2pByteCount = 64

    // Owned, 64 bytes, written only during init: sharing across threads is safe (@unchecked Sendable).
    private let secret: UnsafeMutablePointer<UInt8>

    /// The matching public key.
    public let publicKey: Ed25519PublicKey

    /// Takes ownership of `secret` (64 bytes); `derive` fills it and the public key buffer.
    private init(derive: (UnsafeMutablePointer<UInt8>, inout [UInt8]) -> Int32) throws(CryptoError) {
        Sodium.ensureInitialized()
        let secret = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.libp2pByteCount)
        secret.initialize(repeating: 0, count: Self.libp2pByteCount)
        var pk = [UInt8](repeating: 0, count: Ed25519PublicKey.byteCount)
        let rc = derive(secret, &pk)
        guard rc == 0, let publicKey = try? Ed25519PublicKey(rawRepresentation: pk) else {
            sodium_memzero(secret, Self.libp2pByteCount)
            secret.deallocate()
            throw .libraryFailure("Ed25519 key derivation returned \(rc)")
        }
        self.secret = secret
        self.publicKey = publicKey
    }

    deinit {
        sodium_memzero(secret, Self.libp2pByteCount)
        secret.deallocate()
    }

    /// Generates a new key from libsodium's secure random source.
    public static func generate() -> Ed25519PrivateKey {
        do {
            return try Ed25519PrivateKey { sk, pk in crypto_sign_keypair(&pk, sk) }
        } catch {
            // crypto_sign_keypair cannot fail once libsodium is initialised.
            preconditionFailure("crypto_sign_keypair failed: \(error)")
        }
    }

    /// Derives the key pair from a 32-byte seed (RFC 8032's private key).
    public convenience init(seed: [UInt8]) throws(CryptoError) {
        guard seed.count == Self.seedByteCount else {
            throw .invalidKeyLength(expected: Self.seedByteCount, actual: seed.count)
        }
        try self.init { sk, pk in crypto_sign_seed_keypair(&pk, sk, seed) }
    }

    /// Reads the 64-byte libp2p form `seed || public key` (the `Data` of a libp2p Ed25519
    /// `PrivateKey` protobuf).
    /// - Throws: ``CryptoError/invalidKeyLength(expected:actual:)`` or
    ///   ``CryptoError/publicKeyMismatch`` if the public half is not the key derived from the seed.
    public convenience init(libp2pBytes bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == Self.libp2pByteCount else {
            throw .invalidKeyLength(expected: Self.libp2pByteCount, actual: bytes.count)
        }
        var seed = Array(bytes[0..<Self.seedByteCount])
        defer { sodium_memzero(&seed, Self.seedByteCount) }
        try self.init(seed: seed)
        let claimed = Array(bytes[Self.seedByteCount...])
        guard sodium_memcmp(claimed, publicKey.rawRepresentation, Ed25519PublicKey.byteCount) == 0 else {
            throw .publicKeyMismatch
        }
    }

    /// A copy of the 64-byte libp2p form `seed || public key`. Secret: do not log it.
    public var libp2pBytes: [UInt8] {
        Array(UnsafeBufferPointer(start: secret, count: Self.libp2pByteCount))
    }

    /// A copy of the 32-byte seed. Secret: do not log it.
    public var seed: [UInt8] {
        Array(UnsafeBufferPointer(start: secret, count: Self.seedByteCount))
    }

    /// Signs `message` (pure Ed25519, deterministic), returning the 64-byte signature.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: Ed25519PublicKey.signatureByteCount)
        _ = crypto_sign_detached(&signature, nil, message, UInt64(message.count), secret)
        return signature
    }

    /// Redacted: names the public key only.
    public var description: String { "Ed25519PrivateKey(<redacted>, public: \(publicKey))" }

    /// Redacted, same as ``description``.
    public var debugDescription: String { description }

    /// Shows no stored properties, so `dump` and reflection cannot reach the secret.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .class) }
}
