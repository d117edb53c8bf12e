/// Errors thrown by the `Wire` codecs.
///
/// Every decoder in this module reports malformed or hostile input through one of these cases
/// instead of trapping.
public enum WireError: Error, Equatable, Sendable {
    /// The input ended before the value being read was complete.
    case truncated
    /// A multiformats unsigned varint used more bytes than needed (e.g. `81 00`).
    case nonMinimalVarint
    /// A varint was longer than its format allows (9 bytes for multiformats, 10 for protobuf),
    /// or its value overflows 64 bits.
    case varintTooLong
    /// A negative count was passed to a reader.
    case invalidCount
    /// A declared length exceeds the limit the caller set, or does not fit in `Int`.
    case lengthTooLarge(limit: Int)
    /// An input exceeds the maximum size the decoder accepts.
    case inputTooLarge(limit: Int)
    /// Bytes remained after a value that must span the whole input.
    case trailingBytes
    /// A protobuf tag had field number 0 or a number above 2^29 - 1.
    case invalidFieldNumber
    /// A protobuf tag used a wire type that is not supported (groups 3/4, or 6/7).
    case unsupportedWireType(UInt8)
    /// A protobuf field had a different wire type than the schema expects.
    case unexpectedWireType(field: UInt32)
    /// A string field was not valid UTF-8.
    case invalidUTF8
    /// A character outside the alphabet of a text encoding (base58, hex, ...).
    case invalidCharacter
    /// Hex input had an odd number of digits.
    case oddLength
}
