import CSodium

/// HMAC-SHA256 (RFC 2104) through libsodium's `crypto_auth_hmacsha256` streaming API, which takes keys
/// of any length.
public enum HMACSHA256 {
    /// The MAC length in bytes.
    public static let macLength = 32

    /// Returns the 32-byte HMAC-SHA256 of the concatenation of `parts` under `key`.
    public static func authenticationCode(key: [UInt8], parts: [[UInt8]]) -> [UInt8] {
        Sodium.ensureInitialized()
        var state = crypto_auth_hmacsha256_state()
        var out = [UInt8](repeating: 0, count: macLength)
        _ = crypto_auth_hmacsha256_init(&state, key, key.count)
        for part in parts where !part.isEmpty {
            _ = crypto_auth_hmacsha256_update(&state, part, UInt64(part.count))
        }
        _ = crypto_auth_hmacsha256_final(&state, &out)
        withUnsafeMutableBytes(of: &state) { raw in
            if let base = raw.baseAddress { sodium_memzero(base, raw.count) }
        }
        return out
    }

    /// Returns the 32-byte HMAC-SHA256 of `message` under `key`.
    public static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        authenticationCode(key: key, parts: [message])
    }
}
