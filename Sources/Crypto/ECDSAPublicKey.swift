import COpenSSL
import Wire

/// An ECDSA public key on a NIST curve (libp2p `KeyType` ECDSA): DER SubjectPublicKeyInfo, checked with OpenSSL.
///
/// P-256, P-384 and P-521 with an uncompressed point are accepted (go's `x509.ParsePKIXPublicKey` takes these and
/// refuses compressed points; rust-libp2p knows only P-256). Each curve's SPKI has one exact length, checked before
/// OpenSSL parses anything.
public struct ECDSAPublicKey: Hashable, Sendable, CustomStringConvertible {
    /// SPKI lengths with an uncompressed point, per OpenSSL group name.
    static let spkiByteCounts: [String: Int] = ["prime256v1": 91, "secp384r1": 120, "secp521r1": 158]
    /// The longest DER signature (P-521: two 67-byte INTEGERs in a long-form SEQUENCE).
    public static let maxSignatureByteCount = 141

    /// The DER SubjectPublicKeyInfo.
    public let derRepresentation: [UInt8]
    /// The OpenSSL group name: `prime256v1`, `secp384r1` or `secp521r1`.
    public let curve: String

    /// Parses and validates a DER SubjectPublicKeyInfo holding an EC key on a supported curve.
    public init(derRepresentation der: [UInt8]) throws(CryptoError) {
        guard Self.spkiByteCounts.values.contains(der.count) else {
            throw .invalidPublicKey("ecdsa: SubjectPublicKeyInfo length \(der.count) fits no supported curve")
        }
        guard let key = OpenSSLVerify.parseSubjectPublicKeyInfo(der), key.baseID == EVP_PKEY_EC,
            let group = key.groupName, Self.spkiByteCounts[group] == der.count
        else { throw .invalidPublicKey("ecdsa: not a P-256/P-384/P-521 SubjectPublicKeyInfo") }
        self.derRepresentation = der
        self.curve = group
    }

    /// Whether `signature` (DER `ECDSA-Sig-Value`) is valid for SHA-256(`message`). Strict DER, r and s in
    /// [1, n-1]; high-S accepted (as go's `ecdsa.VerifyASN1`).
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard (8...Self.maxSignatureByteCount).contains(signature.count),
            let key = OpenSSLVerify.parseSubjectPublicKeyInfo(derRepresentation)
        else { return false }
        return OpenSSLVerify.verifySHA256(key: key, signature: signature, message: message)
    }

    /// `ECDSAPublicKey(<curve>, <hex>)`.
    public var description: String {
        "ECDSAPublicKey(\(curve), \(Hex.encode(derRepresentation)))"
    }
}
