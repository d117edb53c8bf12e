import COpenSSL

/// MD5 (RFC 1321) through OpenSSL's EVP interface. Only for protocols that mandate it, such as STUN's long-term
/// credential key `MD5(username ":" realm ":" password)` (RFC 8489 §9.2.2); never for anything new.
public enum MD5 {
    /// The digest length in bytes.
    public static let digestLength = 16

    /// Returns the 16-byte MD5 digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 64)  // EVP_MAX_MD_SIZE
        var outLength: UInt32 = 0
        bytes.withUnsafeBytes { b in
            out.withUnsafeMutableBufferPointer { o in
                _ = EVP_Digest(b.baseAddress, b.count, o.baseAddress, &outLength, EVP_md5(), nil)
            }
        }
        return Array(out.prefix(digestLength))
    }
}
