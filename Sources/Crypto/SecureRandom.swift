import CSodium

/// Cryptographically secure random bytes from libsodium (`randombytes_buf`, backed by
/// `getrandom(2)` on Linux).
///
/// Protocol state machines never call this directly: they are handed randomness by their owner.
public enum SecureRandom {
    /// Returns `count` random bytes; a count ≤ 0 returns an empty array.
    public static func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: count)
        fill(&out)
        return out
    }

    /// Overwrites every byte of `buffer` with random bytes.
    public static func fill(_ buffer: inout [UInt8]) {
        Sodium.ensureInitialized()
        buffer.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            randombytes_buf(base, raw.count)
        }
    }
}
