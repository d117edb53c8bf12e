/// Appending helpers for building wire messages in a `[UInt8]`.
///
/// Writing cannot fail: these functions only grow the array.
extension Array where Element == UInt8 {
    /// Appends `value` as 2 big-endian bytes.
    public mutating func appendUInt16BE(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    /// Appends `value` as 4 big-endian bytes.
    public mutating func appendUInt32BE(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    /// Appends `value` as 8 big-endian bytes.
    public mutating func appendUInt64BE(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// Appends `value` as 4 little-endian bytes (protobuf fixed32).
    public mutating func appendUInt32LE(_ value: UInt32) {
        for shift in stride(from: 0, through: 24, by: 8) { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    /// Appends `value` as 8 little-endian bytes (protobuf fixed64).
    public mutating func appendUInt64LE(_ value: UInt64) {
        for shift in stride(from: 0, through: 56, by: 8) { append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// Appends `value` as an unsigned varint (see ``UVarint``).
    public mutating func appendUVarint(_ value: UInt64) {
        UVarint.append(value, to: &self)
    }

    /// Appends `uvarint(bytes.count) || bytes`, the "uvarint-delimited" framing used by libp2p.
    public mutating func appendLengthPrefixed<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        appendUVarint(UInt64(bytes.count))
        append(contentsOf: bytes)
    }
}
