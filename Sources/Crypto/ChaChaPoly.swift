import COpenSSL

/// ChaCha20-Poly1305 IETF AEAD (RFC 8439) through OpenSSL's `EVP_chacha20_poly1305`.
///
/// One instance holds one key and one reusable `EVP_CIPHER_CTX`; each call only re-initialises the nonce.
/// Use one instance per direction. Not safe for concurrent use.
public final class ChaChaPoly: @unchecked Sendable {
    /// The key length in bytes.
    public static let keyLength = 32
    /// The nonce length in bytes.
    public static let nonceLength = 12
    /// The authentication tag length in bytes.
    public static let tagLength = 16

    private let context: OpaquePointer

    /// Creates a cipher for `key` (32 bytes).
    /// - Throws: ``CryptoError/invalidKeyLength(expected:actual:)``, ``CryptoError/libraryFailure(_:)``.
    public init(key: [UInt8]) throws(CryptoError) {
        guard key.count == Self.keyLength else {
            throw .invalidKeyLength(expected: Self.keyLength, actual: key.count)
        }
        guard let context = EVP_CIPHER_CTX_new() else { throw .libraryFailure("EVP_CIPHER_CTX_new") }
        guard EVP_CipherInit_ex(context, EVP_chacha20_poly1305(), nil, key, nil, 1) == 1 else {
            EVP_CIPHER_CTX_free(context)
            throw .libraryFailure("EVP_CipherInit_ex")
        }
        self.context = context
    }

    deinit {
        EVP_CIPHER_CTX_free(context)
    }

    /// The Noise nonce for `counter`: 4 zero bytes then the counter as 8 little-endian bytes.
    public static func noiseNonce(_ counter: UInt64) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: nonceLength)
        for i in 0..<8 { nonce[4 + i] = UInt8(truncatingIfNeeded: counter >> (8 * UInt64(i))) }
        return nonce
    }

    /// Encrypts `plaintext`; returns `ciphertext || tag` (16 bytes longer).
    /// - Throws: ``CryptoError/invalidKeyLength(expected:actual:)`` for a nonce that is not 12 bytes,
    ///   ``CryptoError/libraryFailure(_:)``.
    public func seal(nonce: [UInt8], associatedData: [UInt8], plaintext: [UInt8]) throws(CryptoError) -> [UInt8] {
        try start(nonce: nonce, encrypt: true, associatedData: associatedData)
        var out = [UInt8](repeating: 0, count: plaintext.count + Self.tagLength)
        var written: Int32 = 0
        if !plaintext.isEmpty {
            guard Int32(exactly: plaintext.count) != nil,
                EVP_CipherUpdate(context, &out, &written, plaintext, Int32(plaintext.count)) == 1,
                Int(written) == plaintext.count
            else { throw .libraryFailure("EVP_CipherUpdate") }
        }
        var finalWritten: Int32 = 0
        let ok = out.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            guard EVP_CipherFinal_ex(context, base + plaintext.count, &finalWritten) == 1 else { return false }
            return EVP_CIPHER_CTX_ctrl(
                context, EVP_CTRL_AEAD_GET_TAG, Int32(Self.tagLength), base + plaintext.count) == 1
        }
        guard ok else { throw .libraryFailure("EVP_CipherFinal_ex") }
        return out
    }

    /// Decrypts and authenticates `ciphertext || tag`.
    /// - Throws: ``CryptoError/authenticationFailed`` when the input is shorter than a tag or the tag does not
    ///   verify; ``CryptoError/invalidKeyLength(expected:actual:)`` for a nonce that is not 12 bytes.
    public func open(nonce: [UInt8], associatedData: [UInt8], ciphertext: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard ciphertext.count >= Self.tagLength else { throw .authenticationFailed }
        let bodyLength = ciphertext.count - Self.tagLength
        guard Int32(exactly: ciphertext.count) != nil else { throw .authenticationFailed }
        try start(nonce: nonce, encrypt: false, associatedData: associatedData)
        var out = [UInt8](repeating: 0, count: bodyLength + Self.tagLength)
        let ok = ciphertext.withUnsafeBufferPointer { input -> Bool in
            guard let inBase = input.baseAddress else { return false }
            return out.withUnsafeMutableBufferPointer { output -> Bool in
                guard let outBase = output.baseAddress else { return false }
                var written: Int32 = 0
                if bodyLength > 0 {
                    guard EVP_CipherUpdate(context, outBase, &written, inBase, Int32(bodyLength)) == 1,
                        Int(written) == bodyLength
                    else { return false }
                }
                var tag = Array(input[bodyLength...])
                guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_TAG, Int32(Self.tagLength), &tag) == 1 else {
                    return false
                }
                var finalWritten: Int32 = 0
                return EVP_CipherFinal_ex(context, outBase + bodyLength, &finalWritten) == 1
            }
        }
        guard ok else { throw .authenticationFailed }
        out.removeLast(Self.tagLength)
        return out
    }

    /// Noise `ENCRYPT(k, n, ad, plaintext)`.
    public func seal(counter: UInt64, associatedData: [UInt8], plaintext: [UInt8]) throws(CryptoError) -> [UInt8] {
        try seal(nonce: Self.noiseNonce(counter), associatedData: associatedData, plaintext: plaintext)
    }

    /// Noise `DECRYPT(k, n, ad, ciphertext)`.
    public func open(counter: UInt64, associatedData: [UInt8], ciphertext: [UInt8]) throws(CryptoError) -> [UInt8] {
        try open(nonce: Self.noiseNonce(counter), associatedData: associatedData, ciphertext: ciphertext)
    }

    private func start(nonce: [UInt8], encrypt: Bool, associatedData: [UInt8]) throws(CryptoError) {
        guard nonce.count == Self.nonceLength else {
            throw .invalidKeyLength(expected: Self.nonceLength, actual: nonce.count)
        }
        guard EVP_CipherInit_ex(context, nil, nil, nil, nonce, encrypt ? 1 : 0) == 1 else {
            throw .libraryFailure("EVP_CipherInit_ex")
        }
        if !associatedData.isEmpty {
            var written: Int32 = 0
            guard let count = Int32(exactly: associatedData.count),
                EVP_CipherUpdate(context, nil, &written, associatedData, count) == 1
            else { throw .libraryFailure("EVP_CipherUpdate(aad)") }
        }
    }
}
