/// The multiformats unsigned varint (`multiformats/unsigned-varint`).
///
/// LEB128: 7 bits per byte, least significant group first, high bit set on every byte but the
/// last. Decoding is strict: the encoding must be minimal and at most ``maxLength`` bytes, so the
/// largest value is ``maxValue`` (2^63 - 1). Protobuf varints inside messages follow looser rules;
/// see ``ByteReader/readProtobufVarint()``.
public enum UVarint {
    /// The longest encoding a decoder accepts.
    public static let maxLength = 9
    /// The largest value that encodes within ``maxLength`` bytes.
    public static let maxValue: UInt64 = (1 << 63) - 1

    /// Returns the LEB128 encoding of `value`.
    ///
    /// Values above ``maxValue`` produce a 10-byte encoding that strict multiformats decoders
    /// reject; they are only meaningful inside protobuf messages.
    public static func encode(_ value: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(encodedLength(value))
        append(value, to: &out)
        return out
    }

    /// Appends the LEB128 encoding of `value` to `bytes`.
    public static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    /// The number of bytes ``encode(_:)`` produces for `value` (1...10).
    public static func encodedLength(_ value: UInt64) -> Int {
        var n = 1
        var v = value >> 7
        while v != 0 {
            n += 1
            v >>= 7
        }
        return n
    }

    /// Decodes one strict varint from the start of `bytes`.
    ///
    /// - Returns: the value and the number of bytes it occupied; trailing bytes are ignored.
    /// - Throws: ``WireError/truncated``, ``WireError/nonMinimalVarint``, ``WireError/varintTooLong``.
    public static func decode<C: Collection>(prefixOf bytes: C) throws(WireError) -> (value: UInt64, length: Int)
    where C.Element == UInt8 {
        var value: UInt64 = 0
        var index = 0
        for byte in bytes {
            value |= UInt64(byte & 0x7F) << UInt64(7 * index)
            if byte & 0x80 == 0 {
                if index > 0 && byte == 0 { throw .nonMinimalVarint }
                return (value, index + 1)
            }
            index += 1
            if index == maxLength { throw .varintTooLong }
        }
        throw .truncated
    }

    /// Decodes `bytes`, which must hold exactly one strict varint.
    public static func decode<C: Collection>(exactly bytes: C) throws(WireError) -> UInt64 where C.Element == UInt8 {
        let (value, length) = try decode(prefixOf: bytes)
        guard length == bytes.count else { throw .trailingBytes }
        return value
    }
}
