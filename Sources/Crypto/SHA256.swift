import CSodium

/// SHA-256 (FIPS 180-4) through libsodium's `crypto_hash_sha256`.
public enum SHA256 {
    /// The digest length in bytes.
    public static let digestLength = 32

    /// Returns the 32-byte SHA-256 digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        Sodium.ensureInitialized()
        var digest = [UInt8](repeating: 0, count: digestLength)
        _ = crypto_hash_sha256(&digest, bytes, UInt64(bytes.count))
        return digest
    }
}
