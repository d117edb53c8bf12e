/// The libp2p `PublicKey` protobuf message: a key type and the type-specific key bytes.
///
/// This is the structural layer only; ``Libp2pPublicKey`` checks that `data` is a key of `type`.
public struct PublicKeyProtobuf: Hashable, Sendable {
    /// The largest accepted encoding. An RSA-8192 SubjectPublicKeyInfo is about 1.1 KiB.
    public static let maxEncodedSize = 16 * 1024

    /// The key type (field 1).
    public var type: KeyType
    /// The key bytes (field 2), in the form the spec gives for `type`.
    public var data: [UInt8]

    /// Creates a message from its fields.
    public init(type: KeyType, data: [UInt8]) {
        self.type = type
        self.data = data
    }

    /// Decodes a message, requiring both fields and skipping unknown ones.
    public init(bytes: [UInt8]) throws(KeyError) {
        (type, data) = try KeyProtobufCodec.decode(bytes, maxSize: Self.maxEncodedSize)
    }

    /// The deterministic encoding: `08 <type> 12 <len> <data>`.
    public var bytes: [UInt8] {
        KeyProtobufCodec.encode(type: type, data: data)
    }
}
