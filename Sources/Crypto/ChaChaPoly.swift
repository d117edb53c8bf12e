import COpenSSL

/// ChaCha20-Poly1305 IETF AEAD (RFC 8439) through OpenSSL's `EVP_chacha20_poly1305`.
///
/// One instance holds one key and one reusable `EVP_CIPHER_CTX`; each call only re-initialises the nonce.
/// Use one instance per direction. Not safe for concurrent use.
///
/// The pointer-based ``seal(counter:plaintext:into:)`` and ``open(counter:ciphertext:into:)`` allocate nothing:
/// the nonce lives on the stack and the tag is read from (or written to) the caller's memory. Their output may be
/// the input itself (in place); partially overlapping input and output are not supported.
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

    // MARK: Noise, pointer-based (empty associated data)

    /// Noise `ENCRYPT(k, n, "", plaintext)`: writes `ciphertext || tag` (`plaintext.count + 16` bytes) at `out`,
    /// which may be `plaintext`'s base address.
    /// - Throws: ``CryptoError/libraryFailure(_:)``.
    public func seal(counter: UInt64, plaintext: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer)
        throws(CryptoError)
    {
        let failure = Self.withNoiseNonce(counter) { nonceBytes in
            seal(
                nonce: nonceBytes, associatedData: UnsafeRawBufferPointer(start: nil, count: 0), plaintext: plaintext,
                into: out)
        }
        if let failure { throw failure }
    }

    /// Noise `DECRYPT(k, n, "", ciphertext)`: authenticates `ciphertext || tag` and writes the plaintext
    /// (`ciphertext.count - 16` bytes) at `out`, which may be `ciphertext`'s base address. Returns the plaintext
    /// length. On failure the bytes at `out` are unspecified.
    /// - Throws: ``CryptoError/authenticationFailed`` when the input is shorter than a tag or the tag does not
    ///   verify.
    public func open(counter: UInt64, ciphertext: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer)
        throws(CryptoError) -> Int
    {
        let failure = Self.withNoiseNonce(counter) { nonceBytes in
            open(
                nonce: nonceBytes, associatedData: UnsafeRawBufferPointer(start: nil, count: 0),
                ciphertext: ciphertext, into: out)
        }
        if let failure { throw failure }
        return ciphertext.count - Self.tagLength
    }

    // MARK: Arrays

    /// Encrypts `plaintext`; returns `ciphertext || tag` (16 bytes longer).
    /// - Throws: ``CryptoError/invalidKeyLength(expected:actual:)`` for a nonce that is not 12 bytes,
    ///   ``CryptoError/libraryFailure(_:)``.
    public func seal(nonce: [UInt8], associatedData: [UInt8], plaintext: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard nonce.count == Self.nonceLength else {
            throw .invalidKeyLength(expected: Self.nonceLength, actual: nonce.count)
        }
        var failure: CryptoError?
        let out = [UInt8](unsafeUninitializedCapacity: plaintext.count + Self.tagLength) { buffer, initialized in
            failure = nonce.withUnsafeBytes { nonce in
                associatedData.withUnsafeBytes { associatedData in
                    plaintext.withUnsafeBytes { plaintext in
                        seal(
                            nonce: nonce, associatedData: associatedData, plaintext: plaintext,
                            into: UnsafeMutableRawPointer(buffer.baseAddress!))
                    }
                }
            }
            initialized = failure == nil ? buffer.count : 0
        }
        if let failure { throw failure }
        return out
    }

    /// Decrypts and authenticates `ciphertext || tag`.
    /// - Throws: ``CryptoError/authenticationFailed`` when the input is shorter than a tag or the tag does not
    ///   verify; ``CryptoError/invalidKeyLength(expected:actual:)`` for a nonce that is not 12 bytes.
    public func open(nonce: [UInt8], associatedData: [UInt8], ciphertext: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard ciphertext.count >= Self.tagLength else { throw .authenticationFailed }
        guard nonce.count == Self.nonceLength else {
            throw .invalidKeyLength(expected: Self.nonceLength, actual: nonce.count)
        }
        let length = ciphertext.count - Self.tagLength
        var failure: CryptoError?
        // At least one byte of capacity, so the output pointer exists for an empty plaintext too.
        let out = [UInt8](unsafeUninitializedCapacity: max(length, 1)) { buffer, initialized in
            failure = nonce.withUnsafeBytes { nonce in
                associatedData.withUnsafeBytes { associatedData in
                    ciphertext.withUnsafeBytes { ciphertext in
                        open(
                            nonce: nonce, associatedData: associatedData, ciphertext: ciphertext,
                            into: UnsafeMutableRawPointer(buffer.baseAddress!))
                    }
                }
            }
            initialized = failure == nil ? length : 0
        }
        if let failure { throw failure }
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

    // MARK: Core

    /// Calls `body` with the Noise nonce for `counter` on the stack (``noiseNonce(_:)`` without an allocation).
    private static func withNoiseNonce<R>(_ counter: UInt64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        // Homogeneous tuples are laid out contiguously: 4 zero bytes, then the counter little-endian.
        var nonce = (
            UInt32(0), UInt32(truncatingIfNeeded: counter).littleEndian,
            UInt32(truncatingIfNeeded: counter >> 32).littleEndian
        )
        return withUnsafeBytes(of: &nonce, body)
    }

    /// Encrypts into `out` (`plaintext.count + 16` bytes); `nonce` is 12 bytes. Returns the failure, if any.
    private func seal(
        nonce: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer, plaintext: UnsafeRawBufferPointer,
        into out: UnsafeMutableRawPointer
    ) -> CryptoError? {
        if let failure = start(nonce: nonce, encrypt: true, associatedData: associatedData) { return failure }
        let count = plaintext.count
        let output = out.assumingMemoryBound(to: UInt8.self)
        if count > 0 {
            var written: Int32 = 0
            guard let input = plaintext.baseAddress, let length = Int32(exactly: count),
                EVP_CipherUpdate(context, output, &written, input.assumingMemoryBound(to: UInt8.self), length) == 1,
                written == length
            else { return .libraryFailure("EVP_CipherUpdate") }
        }
        var finalWritten: Int32 = 0
        guard EVP_CipherFinal_ex(context, output + count, &finalWritten) == 1,
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_GET_TAG, Int32(Self.tagLength), out + count) == 1
        else { return .libraryFailure("EVP_CipherFinal_ex") }
        return nil
    }

    /// Decrypts `ciphertext || tag` into `out` (`ciphertext.count - 16` bytes); the tag is read where it lies.
    private func open(
        nonce: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer, ciphertext: UnsafeRawBufferPointer,
        into out: UnsafeMutableRawPointer
    ) -> CryptoError? {
        guard ciphertext.count >= Self.tagLength, let input = ciphertext.baseAddress,
            Int32(exactly: ciphertext.count) != nil
        else { return .authenticationFailed }
        if let failure = start(nonce: nonce, encrypt: false, associatedData: associatedData) { return failure }
        let length = ciphertext.count - Self.tagLength
        let output = out.assumingMemoryBound(to: UInt8.self)
        if length > 0 {
            var written: Int32 = 0
            guard
                EVP_CipherUpdate(
                    context, output, &written, input.assumingMemoryBound(to: UInt8.self), Int32(length)) == 1,
                Int(written) == length
            else { return .authenticationFailed }
        }
        // SET_TAG copies the tag; OpenSSL does not write through the pointer.
        let tag = UnsafeMutableRawPointer(mutating: input + length)
        var finalWritten: Int32 = 0
        guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_TAG, Int32(Self.tagLength), tag) == 1,
            EVP_CipherFinal_ex(context, output + length, &finalWritten) == 1
        else { return .authenticationFailed }
        return nil
    }

    private func start(nonce: UnsafeRawBufferPointer, encrypt: Bool, associatedData: UnsafeRawBufferPointer)
        -> CryptoError?
    {
        guard let nonceBase = nonce.baseAddress,
            EVP_CipherInit_ex(
                context, nil, nil, nil, nonceBase.assumingMemoryBound(to: UInt8.self), encrypt ? 1 : 0) == 1
        else { return .libraryFailure("EVP_CipherInit_ex") }
        if let base = associatedData.baseAddress, !associatedData.isEmpty {
            var written: Int32 = 0
            guard let count = Int32(exactly: associatedData.count),
                EVP_CipherUpdate(context, nil, &written, base.assumingMemoryBound(to: UInt8.self), count) == 1
            else { return .libraryFailure("EVP_CipherUpdate(aad)") }
        }
        return nil
    }
}
