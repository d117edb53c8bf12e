import COpenSSL
import Wire

/// An RSA public key (libp2p `KeyType` RSA): DER SubjectPublicKeyInfo, RSASSA-PKCS1-v1_5 with SHA-256.
///
/// The modulus must be 2048...8192 bits (go-libp2p since CVE-2023-39533, rust's ring
/// `RSA_PKCS1_2048_8192_SHA256`) and the exponent 2...2^31-1 (go `crypto/rsa`). Inputs longer than
/// ``maxDERByteCount`` are refused before OpenSSL parses them, so an oversized key costs nothing.
public struct RSAPublicKey: Hashable, Sendable, CustomStringConvertible {
    /// The smallest accepted modulus.
    public static let minBits = 2048
    /// The largest accepted modulus.
    public static let maxBits = 8192
    /// An 8192-bit SPKI with a 31-bit exponent is 1062 bytes; anything past this holds a larger modulus.
    public static let maxDERByteCount = 1100
    /// A 2048-bit SPKI is at least 290 bytes.
    public static let minDERByteCount = 280

    /// The DER SubjectPublicKeyInfo.
    public let derRepresentation: [UInt8]
    /// The modulus size in bits.
    public let bits: Int

    /// Parses and validates a DER SubjectPublicKeyInfo holding an RSA key of an accepted size.
    public init(derRepresentation der: [UInt8]) throws(CryptoError) {
        guard der.count <= Self.maxDERByteCount else { throw .unsupportedKeySize(bits: nil) }
        guard der.count >= Self.minDERByteCount else { throw .unsupportedKeySize(bits: nil) }
        guard let key = OpenSSLVerify.parseSubjectPublicKeyInfo(der), key.baseID == EVP_PKEY_RSA else {
            throw .invalidPublicKey("rsa: not an RSA SubjectPublicKeyInfo")
        }
        let bits = key.bits
        guard (Self.minBits...Self.maxBits).contains(bits) else { throw .unsupportedKeySize(bits: bits) }
        guard let e = OpenSSLVerify.rsaPublicExponent(key), e >= 2, e <= (1 << 31) - 1 else {
            throw .invalidPublicKey("rsa: public exponent outside 2...2^31-1")
        }
        self.derRepresentation = der
        self.bits = bits
    }

    /// Whether `signature` is a PKCS#1 v1.5 SHA-256 signature of `message`; it must be exactly the modulus length.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard signature.count == (bits + 7) / 8, let key = OpenSSLVerify.parseSubjectPublicKeyInfo(derRepresentation)
        else { return false }
        return OpenSSLVerify.verifySHA256(key: key, signature: signature, message: message)
    }

    /// `RSAPublicKey(<bits> bits)`.
    public var description: String {
        "RSAPublicKey(\(bits) bits)"
    }
}
