import Crypto
import Wire

/// Errors decoding or using libp2p keys.
public enum KeyError: Error, Equatable, Sendable {
    /// The key protobuf could not be parsed.
    case malformedProtobuf(WireError)
    /// The key protobuf exceeded the size limit.
    case protobufTooLarge(limit: Int)
    /// The required `Type` field (1) was absent.
    case missingType
    /// The required `Data` field (2) was absent.
    case missingData
    /// The `Type` field held a value outside the `KeyType` enum.
    case unknownKeyType(UInt64)
    /// The key type is valid but not supported for this operation (e.g. a non-Ed25519 local key,
    /// or signature checks for key types not implemented yet).
    case unsupportedKeyType(KeyType)
    /// The key bytes have the wrong length or form for their type.
    case invalidKeyData(KeyType)
    /// The Ed25519 key material was rejected by the crypto layer.
    case crypto(CryptoError)
}
