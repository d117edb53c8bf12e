/// The protobuf wire types (the low 3 bits of a field tag).
public enum ProtobufWireType: UInt8, Sendable {
    /// int32, int64, uint32, uint64, sint32, sint64, bool, enum.
    case varint = 0
    /// fixed64, sfixed64, double (8 little-endian bytes).
    case fixed64 = 1
    /// bytes, string, embedded messages, packed repeated fields.
    case lengthDelimited = 2
    /// Deprecated group start; rejected by ``ProtobufReader``.
    case startGroup = 3
    /// Deprecated group end; rejected by ``ProtobufReader``.
    case endGroup = 4
    /// fixed32, sfixed32, float (4 little-endian bytes).
    case fixed32 = 5
}
