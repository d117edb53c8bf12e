import COpenSSL

/// Shared OpenSSL plumbing for the public-key verifiers: SPKI parsing and one-shot SHA-256 `EVP_DigestVerify`.
///
/// Every function here frees what it allocates and clears OpenSSL's thread-local error queue, so rejected peer
/// input leaves nothing behind.
enum OpenSSLVerify {
    /// An owned `EVP_PKEY`, freed on deinit.
    final class Key {
        let pointer: OpaquePointer
        init(_ pointer: OpaquePointer) { self.pointer = pointer }
        deinit { EVP_PKEY_free(pointer) }

        /// The key's bit size (`EVP_PKEY_get_bits`).
        var bits: Int { Int(EVP_PKEY_get_bits(pointer)) }

        /// The base algorithm id (`EVP_PKEY_EC`, `EVP_PKEY_RSA`, ...).
        var baseID: Int32 { EVP_PKEY_get_base_id(pointer) }

        /// The EC group name (`prime256v1`, ...), or nil for non-EC keys.
        var groupName: String? {
            var buffer = [CChar](repeating: 0, count: 64)
            var length = 0
            guard EVP_PKEY_get_group_name(pointer, &buffer, buffer.count, &length) == 1 else { return nil }
            return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// Parses DER SubjectPublicKeyInfo, requiring the whole input to be consumed and to be the canonical encoding
    /// (OpenSSL re-encodes it to the same bytes). Nil on any error. Canonical only: a peer ID hashes these bytes, so
    /// a second encoding of one key (e.g. other AlgorithmIdentifier parameters, which OpenSSL tolerates and go's
    /// x509 refuses) would give one key two peer IDs.
    static func parseSubjectPublicKeyInfo(_ der: [UInt8]) -> Key? {
        defer { ERR_clear_error() }
        let parsed = der.withUnsafeBufferPointer { buffer -> Key? in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            guard let pkey = d2i_PUBKEY(nil, &cursor, buffer.count) else { return nil }
            let key = Key(pkey)
            guard cursor == base + buffer.count else { return nil }
            return key
        }
        guard let parsed else { return nil }
        let length = i2d_PUBKEY(parsed.pointer, nil)
        guard length == der.count else { return nil }
        var encoded = [UInt8](repeating: 0, count: Int(length))
        let written = encoded.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_PUBKEY(parsed.pointer, &cursor)
        }
        guard written == length, encoded == der else { return nil }
        return parsed
    }

    /// Builds an EC key from a SEC1 point on `group`; nil if OpenSSL rejects the point.
    static func ecPublicKey(group: String, point: [UInt8]) -> Key? {
        defer { ERR_clear_error() }
        return point.withUnsafeBufferPointer { buffer -> Key? in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return nil }
            guard let pkey = waystone_ec_public_key_from_point(group, base, buffer.count) else { return nil }
            return Key(pkey)
        }
    }

    /// The RSA public exponent if it fits in a machine word, else nil.
    static func rsaPublicExponent(_ key: Key) -> UInt64? {
        defer { ERR_clear_error() }
        var bn: OpaquePointer?
        guard EVP_PKEY_get_bn_param(key.pointer, "e", &bn) == 1, let bn else { return nil }
        defer { BN_free(bn) }
        guard BN_num_bits(bn) <= 64 else { return nil }
        return UInt64(BN_get_word(bn))
    }

    /// Whether `signature` verifies over SHA-256(`message`) with `key` (ECDSA: DER signature; RSA: PKCS#1 v1.5,
    /// OpenSSL's default padding). Only an `EVP_DigestVerify` result of 1 counts; errors are `false`.
    static func verifySHA256(key: Key, signature: [UInt8], message: [UInt8]) -> Bool {
        defer { ERR_clear_error() }
        guard !signature.isEmpty, let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit_ex(context, nil, "SHA256", nil, nil, key.pointer, nil) == 1 else { return false }
        var placeholder: UInt8 = 0
        let rc = signature.withUnsafeBufferPointer { sig in
            message.withUnsafeBufferPointer { msg in
                // An empty array may have no base address; OpenSSL wants a pointer even for zero bytes.
                withUnsafePointer(to: &placeholder) { empty in
                    EVP_DigestVerify(context, sig.baseAddress, sig.count, msg.baseAddress ?? empty, msg.count)
                }
            }
        }
        return rc == 1
    }
}
