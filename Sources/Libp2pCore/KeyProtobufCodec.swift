import Wire

/// The shared encoding of the libp2p `PublicKey` and `PrivateKey` messages:
/// `{ required KeyType Type = 1; required bytes Data = 2; }`.
enum KeyProtobufCodec {
    /// Deterministic encoding: field 1 (always, even for RSA = 0, since proto2 `required` has
    /// presence), then field 2, minimal varints, nothing else.
    static func encode(type: KeyType, data: [UInt8]) -> [UInt8] {
        var writer = ProtobufWriter()
        writer.writeVarint(field: 1, type.rawValue)
        writer.writeBytes(field: 2, data)
        return writer.bytes
    }

    /// Decodes and validates a key message: both fields required, unknown fields skipped, a
    /// repeated field keeps its last value (protobuf semantics).
    static func decode(_ bytes: [UInt8], maxSize: Int) throws(KeyError) -> (type: KeyType, data: [UInt8]) {
        guard bytes.count <= maxSize else { throw .protobufTooLarge(limit: maxSize) }
        var rawType: UInt64?
        var data: [UInt8]?
        do {
            var reader = try ProtobufReader(bytes, maxMessageSize: maxSize)
            while let field = try reader.next() {
                switch field.number {
                case 1: rawType = try field.varint()
                case 2: data = try field.bytes()
                default: continue
                }
            }
        } catch {
            throw .malformedProtobuf(error)
        }
        guard let rawType else { throw .missingType }
        guard let data else { throw .missingData }
        guard let type = KeyType(rawValue: rawType) else { throw .unknownKeyType(rawType) }
        return (type, data)
    }
}
