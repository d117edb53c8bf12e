import Crypto
import Wire

/// A libp2p public key: a ``KeyType`` and the key bytes in the form the peer-ID spec gives
/// for that type.
///
/// Every type can be parsed, encoded and turned into a ``PeerID``. Signature verification is
/// implemented for Ed25519 only so far; secp256k1, ECDSA and RSA checks (OpenSSL) come later.
public struct Libp2pPublicKey: Hashable, Sendable, CustomStringConvertible {
    /// The key type.
    public let type: KeyType
    /// The key bytes (`PublicKey.Data`): 32 bytes for Ed25519, a 33-byte compressed point for
    /// secp256k1, DER SubjectPublicKeyInfo for ECDSA and RSA.
    public let data: [UInt8]

    /// Creates a key after checking `data` has the form its type requires.
    ///
    /// Ed25519 must be 32 bytes and secp256k1 a 33-byte compressed point (`02`/`03` prefix);
    /// ECDSA and RSA DER must be non-empty (their structure is checked when verification lands).
    public init(type: KeyType, data: [UInt8]) throws(KeyError) {
        switch type {
        case .ed25519:
            guard data.count == Ed25519PublicKey.byteCount else { throw .invalidKeyData(type) }
        case .secp256k1:
            // go also accepts 65-byte uncompressed points and re-encodes them compressed; that
            // needs point arithmetic and arrives with secp256k1 verification.
            guard data.count == 33, data.first == 0x02 || data.first == 0x03 else { throw .invalidKeyData(type) }
        case .ecdsa, .rsa:
            guard !data.isEmpty else { throw .invalidKeyData(type) }
        }
        self.type = type
        self.data = data
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

    /// The peer ID derived from this key.
    public var peerID: PeerID {
        PeerID(publicKey: self)
    }

    /// Whether `signature` is this key's signature of `message`.
    /// - Throws: ``KeyError/unsupportedKeyType(_:)`` for key types whose verification is not implemented yet.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) throws(KeyError) -> Bool {
        guard let key = ed25519 else { throw .unsupportedKeyType(type) }
        return key.isValidSignature(signature, for: message)
    }

    /// `Libp2pPublicKey(<type>, <peer ID>)`.
    public var description: String {
        "Libp2pPublicKey(\(type), \(peerID))"
    }
}
