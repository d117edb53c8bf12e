import Crypto

/// Noise `CipherState` for ChaChaPoly: an optional key and a 64-bit nonce (Noise spec §5.1).
///
/// Holds one reusable OpenSSL context (``ChaChaPoly``); use one state per direction.
public struct NoiseCipherState: Sendable {
    private var cipher: ChaChaPoly?
    /// The nonce of the next message.
    public private(set) var nonce: UInt64 = 0

    /// A state without a key: encryption is the identity.
    public init() {}

    /// A state keyed with `key` (32 bytes), nonce 0.
    public init(key: [UInt8]) throws(NoiseError) {
        do {
            cipher = try ChaChaPoly(key: key)
        } catch {
            throw .crypto(error)
        }
    }

    /// A keyed state starting at `nonce` (tests of the nonce limit).
    init(key: [UInt8], nonce: UInt64) throws(NoiseError) {
        try self.init(key: key)
        self.nonce = nonce
    }

    /// Whether a key is set.
    public var hasKey: Bool { cipher != nil }

    /// `EncryptWithAd`: ciphertext plus 16-byte tag, or `plaintext` unchanged without a key.
    /// - Throws: ``NoiseError/nonceExhausted`` at nonce 2^64 − 1.
    public mutating func encrypt(associatedData: [UInt8], plaintext: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard let cipher else { return plaintext }
        guard nonce < UInt64.max else { throw .nonceExhausted }
        let out: [UInt8]
        do {
            out = try cipher.seal(counter: nonce, associatedData: associatedData, plaintext: plaintext)
        } catch {
            throw .crypto(error)
        }
        nonce += 1
        return out
    }

    /// `DecryptWithAd`: the plaintext, or `ciphertext` unchanged without a key. The nonce advances only on success.
    /// - Throws: ``NoiseError/decryptionFailed``, ``NoiseError/nonceExhausted``.
    public mutating func decrypt(associatedData: [UInt8], ciphertext: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard let cipher else { return ciphertext }
        guard nonce < UInt64.max else { throw .nonceExhausted }
        let out: [UInt8]
        do {
            out = try cipher.open(counter: nonce, associatedData: associatedData, ciphertext: ciphertext)
        } catch {
            throw .decryptionFailed
        }
        nonce += 1
        return out
    }

    /// `EncryptWithAd` with empty associated data, allocation-free: writes `ciphertext || tag`
    /// (`plaintext.count + 16` bytes) at `out`, which may be `plaintext`'s base address. Without a key, copies
    /// `plaintext` to `out` (`plaintext.count` bytes).
    /// - Throws: ``NoiseError/nonceExhausted`` at nonce 2^64 − 1.
    public mutating func encrypt(_ plaintext: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer)
        throws(NoiseError)
    {
        guard let cipher else {
            if let base = plaintext.baseAddress { out.copyMemory(from: base, byteCount: plaintext.count) }
            return
        }
        guard nonce < UInt64.max else { throw .nonceExhausted }
        do {
            try cipher.seal(counter: nonce, plaintext: plaintext, into: out)
        } catch {
            throw .crypto(error)
        }
        nonce += 1
    }

    /// `DecryptWithAd` with empty associated data, allocation-free: writes the plaintext
    /// (`ciphertext.count - 16` bytes) at `out`, which may be `ciphertext`'s base address, and returns its length.
    /// Without a key, copies `ciphertext` to `out`. The nonce advances only on success.
    /// - Throws: ``NoiseError/decryptionFailed``, ``NoiseError/nonceExhausted``.
    public mutating func decrypt(_ ciphertext: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer)
        throws(NoiseError) -> Int
    {
        guard let cipher else {
            if let base = ciphertext.baseAddress { out.copyMemory(from: base, byteCount: ciphertext.count) }
            return ciphertext.count
        }
        guard nonce < UInt64.max else { throw .nonceExhausted }
        let count: Int
        do {
            count = try cipher.open(counter: nonce, ciphertext: ciphertext, into: out)
        } catch {
            throw .decryptionFailed
        }
        nonce += 1
        return count
    }
}
