import Crypto
import Wire

/// A libp2p public key: a ``KeyType`` and the key bytes in the form the peer-ID spec gives
/// for that type.
///
/// Every type can be parsed, encoded, turned into a ``PeerID`` and used to verify signatures (Ed25519 through
/// libsodium; secp256k1, ECDSA and RSA through OpenSSL).
public struct Libp2pPublicKey: Hashable, Sendable, CustomStringConvertible {
    /// The key type.
    public let type: KeyType
    /// The key bytes (`PublicKey.Data`): 32 bytes for Ed25519, a 33-byte compressed point for
    /// secp256k1 (also when parsed from 65 uncompressed bytes), DER SubjectPublicKeyInfo for ECDSA and RSA.
    public let data: [UInt8]

    /// Creates a key after checking `data` has the form its type requires.
    ///
    /// Ed25519 must be 32 bytes. secp256k1 must be a point on the curve, 33 bytes compressed or 65 bytes
    /// uncompressed; like go-libp2p, an uncompressed point is stored (and so encoded and hashed into the peer ID)
    /// in its 33-byte compressed form. ECDSA must be a P-256/P-384/P-521 SubjectPublicKeyInfo and RSA a
    /// SubjectPublicKeyInfo of 2048...8192 bits (larger encodings are refused by length before parsing).
    /// - Throws: ``KeyError/invalidKeyData(_:)``, or ``KeyError/crypto(_:)`` with
    ///   ``CryptoError/unsupportedKeySize(bits:)`` for RSA keys outside the size range.
    public init(type: KeyType, data: [UInt8]) throws(KeyError) {
        do throws(CryptoError) {
            switch type {
            case .ed25519:
                guard data.count == Ed25519PublicKey.byteCount else {
                    throw .invalidKeyLength(expected: Ed25519PublicKey.byteCount, actual: data.count)
                }
                self.data = data
            case .secp256k1:
                self.data = try Secp256k1PublicKey(bytes: data).compressedRepresentation
            case .ecdsa:
                self.data = try ECDSAPublicKey(derRepresentation: data).derRepresentation
            case .rsa:
                self.data = try RSAPublicKey(derRepresentation: data).derRepresentation
            }
        } catch {
            guard case .unsupportedKeySize = error else { throw .invalidKeyData(type) }
            throw .crypto(error)
        }
        self.type = type
    }

    /// Wraps an Ed25519 public key.
    public init(ed25519 key: Ed25519PublicKey) {
        self.type = .ed25519
        self.data = key.rawRepresentation
    }

    /// Decodes a `PublicKey` protobuf and validates the key bytes.
    public init(protobufBytes: [UInt8]) throws(KeyError) {
        let message = try PublicKeyProtobuf(bytes: protobufBytes)
        try self.init(type: message.type, data: message.data)
    }

    /// The canonical `PublicKey` protobuf encoding, the input of the peer ID.
    public var protobufBytes: [UInt8] {
        PublicKeyProtobuf(type: type, data: data).bytes
    }

    /// The key as an Ed25519 key, or `nil` for other types.
    public var ed25519: Ed25519PublicKey? {
        guard type == .ed25519 else { return nil }
        return try? Ed25519PublicKey(rawRepresentation: data)
    }

    /// The modulus size of an RSA key, `nil` for other types.
    public var rsaBits: Int? {
        guard type == .rsa else { return nil }
        return try? RSAPublicKey(derRepresentation: data).bits
    }

    /// The peer ID derived from this key.
    public var peerID: PeerID {
        PeerID(publicKey: self)
    }

    /// Whether `signature` is this key's signature of `message`: Ed25519 over the message; secp256k1 and ECDSA a
    /// DER signature over SHA-256 of the message; RSA PKCS#1 v1.5 with SHA-256. Malformed signatures are `false`.
    /// - Throws: never for keys built by the initializers (their data was validated); kept for API stability.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) throws(KeyError) -> Bool {
        do throws(CryptoError) {
            switch type {
            case .ed25519:
                return try Ed25519PublicKey(rawRepresentation: data).isValidSignature(signature, for: message)
            case .secp256k1:
                return try Secp256k1PublicKey(bytes: data).isValidSignature(signature, for: message)
            case .ecdsa:
                return try ECDSAPublicKey(derRepresentation: data).isValidSignature(signature, for: message)
            case .rsa:
                return try RSAPublicKey(derRepresentation: data).isValidSignature(signature, for: message)
            }
        } catch {
            throw .crypto(error)
        }
    }

    /// `Libp2pPublicKey(<type>, <peer ID>)`.
    public var description: String {
        "Libp2pPublicKey(\(type), \(peerID))"
    }
}
