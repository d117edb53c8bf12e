import CSodium

/// Helpers for handling secret bytes.
public enum SecureMemory {
    /// Overwrites every byte of `bytes` with zero in a way the optimiser cannot remove
    /// (`sodium_memzero`). The array keeps its length.
    public static func zero(_ bytes: inout [UInt8]) {
        let count = bytes.count
        guard count > 0 else { return }
        bytes.withUnsafeMutableBytes { raw in
            if let base = raw.baseAddress { sodium_memzero(base, count) }
        }
    }

    /// Compares two byte arrays in time that depends only on their length
    /// (`sodium_memcmp`). Arrays of different lengths are unequal.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        return sodium_memcmp(a, b, a.count) == 0
    }
}
