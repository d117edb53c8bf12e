/// Builds a protobuf message field by field, in the order the calls are made.
///
/// Deterministic encoding (fields in tag order, minimal varints) is the caller's job: call the
/// `write…` methods in field-number order. Field numbers are schema constants and must lie in
/// 1 ... ``ProtobufReader/maxFieldNumber``.
public struct ProtobufWriter: Sendable {
    /// The encoded message so far.
    public private(set) var bytes: [UInt8]

    /// Creates an empty message.
    public init() {
        bytes = []
    }

    /// Writes a varint field (uint32/64, bool, enum). Always written, even when zero: omit the
    /// call for proto3 fields without presence whose value is zero.
    public mutating func writeVarint(field: UInt32, _ value: UInt64) {
        writeTag(field, .varint)
        bytes.appendUVarint(value)
    }

    /// Writes a bool field as varint 0 or 1.
    public mutating func writeBool(field: UInt32, _ value: Bool) {
        writeVarint(field: field, value ? 1 : 0)
    }

    /// Writes a length-delimited field (bytes or embedded message).
    public mutating func writeBytes<C: Collection>(field: UInt32, _ value: C) where C.Element == UInt8 {
        writeTag(field, .lengthDelimited)
        bytes.appendLengthPrefixed(value)
    }

    /// Writes a string field (UTF-8).
    public mutating func writeString(field: UInt32, _ value: String) {
        writeBytes(field: field, Array(value.utf8))
    }

    /// Writes an embedded message.
    public mutating func writeMessage(field: UInt32, _ message: ProtobufWriter) {
        writeBytes(field: field, message.bytes)
    }

    /// Writes a fixed32 field (4 little-endian bytes).
    public mutating func writeFixed32(field: UInt32, _ value: UInt32) {
        writeTag(field, .fixed32)
        bytes.appendUInt32LE(value)
    }

    /// Writes a fixed64 field (8 little-endian bytes).
    public mutating func writeFixed64(field: UInt32, _ value: UInt64) {
        writeTag(field, .fixed64)
        bytes.appendUInt64LE(value)
    }

    private mutating func writeTag(_ field: UInt32, _ wireType: ProtobufWireType) {
        bytes.appendUVarint(UInt64(field) << 3 | UInt64(wireType.rawValue))
    }
}
