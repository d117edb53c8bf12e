import Wire

/// A secp256k1 public key for ECDSA verification (libp2p `KeyType` Secp256k1), checked with OpenSSL.
///
/// Accepts the 33-byte compressed point (`02`/`03` prefix) and, like go-libp2p (decred `ParsePubKey`), the
/// 65-byte uncompressed point (`04` prefix), which is validated on the curve and kept in compressed form: go's
/// `Raw()` re-encodes compressed, so the protobuf and peer ID of such a key use the 33 bytes. Hybrid (`06`/`07`)
/// encodings are refused.
public struct Secp256k1PublicKey: Hashable, Sendable, CustomStringConvertible {
    /// The length of a compressed point.
    public static let compressedByteCount = 33
    /// The length of an uncompressed point.
    public static let uncompressedByteCount = 65
    /// The longest DER signature: two 33-byte INTEGERs (go's decred parser has the same cap).
    public static let maxSignatureByteCount = 72

    /// The 33-byte compressed point.
    public let compressedRepresentation: [UInt8]

    /// Creates a key from a compressed or uncompressed SEC1 point after checking the point is on the curve.
    public init(bytes: [UInt8]) throws(CryptoError) {
        let compressed: [UInt8]
        switch bytes.count {
        case Self.compressedByteCount where bytes[0] == 0x02 || bytes[0] == 0x03:
            compressed = bytes
        case Self.uncompressedByteCount where bytes[0] == 0x04:
            compressed = [0x02 | (bytes[64] & 1)] + bytes[1...32]
        default:
            throw .invalidPublicKey("secp256k1: expected a 33-byte compressed or 65-byte uncompressed point")
        }
        guard OpenSSLVerify.ecPublicKey(group: "secp256k1", point: bytes) != nil else {
            throw .invalidPublicKey("secp256k1: point is not on the curve")
        }
        self.compressedRepresentation = compressed
    }

    /// Whether `signature` (DER `ECDSA-Sig-Value`) is valid for SHA-256(`message`).
    ///
    /// OpenSSL requires strict DER (it re-encodes and compares) and r, s in [1, n-1], as go's decred
    /// `ParseDERSignature` does. High-S signatures are accepted, as in go-libp2p; rust-libp2p rejects them.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard (8...Self.maxSignatureByteCount).contains(signature.count),
            let key = OpenSSLVerify.ecPublicKey(group: "secp256k1", point: compressedRepresentation)
        else { return false }
        return OpenSSLVerify.verifySHA256(key: key, signature: signature, message: message)
    }

    /// `Secp256k1PublicKey(<hex>)`.
    public var description: String {
        "Secp256k1PublicKey(\(Hex.encode(compressedRepresentation)))"
    }
}
