import COpenSSL

/// HMAC-SHA1 (RFC 2104) through OpenSSL's one-shot `HMAC`. Used by STUN's MESSAGE-INTEGRITY (RFC 8489 §14.5).
public enum HMACSHA1 {
    /// The MAC length in bytes.
    public static let macLength = 20

    /// Returns the 20-byte HMAC-SHA1 of `message` under `key`.
    public static func authenticationCode(key: [UInt8], message: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 64)  // EVP_MAX_MD_SIZE
        var outLength: UInt32 = 0
        key.withUnsafeBufferPointer { k in
            out.withUnsafeMutableBufferPointer { o in
                _ = HMAC(
                    EVP_sha1(), k.baseAddress, Int32(clamping: k.count),
                    message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count, o.baseAddress,
                    &outLength)
            }
        }
        return Array(out.prefix(macLength))
    }

    /// Returns the 20-byte HMAC-SHA1 of `message` under `key`.
    public static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        message.withUnsafeBytes { authenticationCode(key: key, message: $0) }
    }
}
