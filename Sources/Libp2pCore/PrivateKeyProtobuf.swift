/// The libp2p `PrivateKey` protobuf message (never sent on the wire; used for identity files).
///
/// `data` is secret: this type has no `description` that prints it.
public struct PrivateKeyProtobuf: Sendable, CustomStringConvertible, CustomReflectable {
    /// The largest accepted encoding. An RSA-8192 PKCS#1 key is about 4.7 KiB.
    public static let maxEncodedSize = 16 * 1024

    /// The key type (field 1).
    public var type: KeyType
    /// The secret key bytes (field 2), in the form the spec gives for `type`.
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

    /// Redacted.
    public var description: String { "PrivateKeyProtobuf(\(type), <redacted>)" }

    /// Shows only the key type, so `dump` cannot print the secret.
    public var customMirror: Mirror { Mirror(self, children: ["type": type]) }
}
