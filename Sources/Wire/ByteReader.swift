/// A cursor over a byte array that never traps.
///
/// Every read checks the remaining length first and throws ``WireError/truncated`` (or a more
/// specific error) instead of reading out of bounds. Counts are checked before any allocation,
/// so a hostile length prefix cannot make the reader allocate more than the input holds.
public struct ByteReader: Sendable {
    @usableFromInline let bytes: [UInt8]
    /// The index of the next unread byte (0-based, relative to the start of the input).
    public private(set) var offset: Int

    /// Creates a reader over `bytes`.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
    }

    /// Creates a reader over a copy of `slice`.
    public init(_ slice: ArraySlice<UInt8>) {
        self.init(Array(slice))
    }

    /// The number of unread bytes.
    public var remaining: Int { bytes.count - offset }

    /// Whether every byte has been read.
    public var isAtEnd: Bool { offset >= bytes.count }

    /// Reads one byte.
    public mutating func readUInt8() throws(WireError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated }
        let b = bytes[offset]
        offset += 1
        return b
    }

    /// Reads `count` bytes.
    /// - Throws: ``WireError/invalidCount`` for a negative count, ``WireError/truncated`` when fewer remain.
    public mutating func readBytes(_ count: Int) throws(WireError) -> [UInt8] {
        guard count >= 0 else { throw .invalidCount }
        guard count <= remaining else { throw .truncated }
        let out = Array(bytes[offset..<(offset + count)])
        offset += count
        return out
    }

    /// Reads every remaining byte.
    public mutating func readRemaining() -> [UInt8] {
        let out = Array(bytes[offset...])
        offset = bytes.count
        return out
    }

    /// Skips `count` bytes.
    public mutating func skip(_ count: Int) throws(WireError) {
        guard count >= 0 else { throw .invalidCount }
        guard count <= remaining else { throw .truncated }
        offset += count
    }

    /// Returns the next byte without consuming it, or `nil` at the end.
    public func peekUInt8() -> UInt8? {
        offset < bytes.count ? bytes[offset] : nil
    }

    /// Reads a big-endian `UInt16`.
    public mutating func readUInt16BE() throws(WireError) -> UInt16 {
        UInt16(truncatingIfNeeded: try readBigEndian(2))
    }

    /// Reads a big-endian `UInt32`.
    public mutating func readUInt32BE() throws(WireError) -> UInt32 {
        UInt32(truncatingIfNeeded: try readBigEndian(4))
    }

    /// Reads a big-endian `UInt64`.
    public mutating func readUInt64BE() throws(WireError) -> UInt64 {
        try readBigEndian(8)
    }

    /// Reads a little-endian `UInt32` (protobuf fixed32).
    public mutating func readUInt32LE() throws(WireError) -> UInt32 {
        UInt32(truncatingIfNeeded: try readLittleEndian(4))
    }

    /// Reads a little-endian `UInt64` (protobuf fixed64).
    public mutating func readUInt64LE() throws(WireError) -> UInt64 {
        try readLittleEndian(8)
    }

    /// Reads a strict multiformats unsigned varint (minimal, at most 9 bytes). See ``UVarint``.
    /// On error the reader's position is unchanged.
    public mutating func readUVarint() throws(WireError) -> UInt64 {
        let (value, length) = try UVarint.decode(prefixOf: bytes[offset...])
        offset += length
        return value
    }

    /// Reads a protobuf varint: up to 10 bytes, non-minimal encodings allowed, value must fit in
    /// 64 bits. On error the reader's position is unchanged.
    public mutating func readProtobufVarint() throws(WireError) -> UInt64 {
        var value: UInt64 = 0
        var index = offset
        var shift: UInt64 = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if shift == 63 && byte > 1 { throw .varintTooLong }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                offset = index
                return value
            }
            shift += 7
            if shift > 63 { throw .varintTooLong }
        }
        throw .truncated
    }

    /// Reads a strict uvarint length prefix followed by that many bytes.
    /// - Parameter maxLength: the largest accepted length, checked before allocating.
    public mutating func readLengthPrefixedBytes(maxLength: Int) throws(WireError) -> [UInt8] {
        let start = offset
        let declared = try readUVarint()
        guard let length = Int(exactly: declared), length <= maxLength else {
            offset = start
            throw .lengthTooLarge(limit: maxLength)
        }
        guard length <= remaining else {
            offset = start
            throw .truncated
        }
        return try readBytes(length)
    }

    private mutating func readBigEndian(_ width: Int) throws(WireError) -> UInt64 {
        guard width <= remaining else { throw .truncated }
        var v: UInt64 = 0
        for i in 0..<width { v = (v << 8) | UInt64(bytes[offset + i]) }
        offset += width
        return v
    }

    private mutating func readLittleEndian(_ width: Int) throws(WireError) -> UInt64 {
        guard width <= remaining else { throw .truncated }
        var v: UInt64 = 0
        for i in 0..<width { v |= UInt64(bytes[offset + i]) << UInt64(8 * i) }
        offset += width
        return v
    }
}
