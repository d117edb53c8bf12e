import Wire

/// The four Yamux frame types (`specs:yamux/README.md`).
public enum YamuxFrameType: UInt8, Sendable, Equatable {
    /// Stream data; `length` is the number of body bytes that follow the header.
    case data = 0
    /// Stream window update; `length` is the window delta (or, with RST, an error code).
    case windowUpdate = 1
    /// Session ping; `length` is an opaque value echoed back.
    case ping = 2
    /// Session termination; `length` is the error code.
    case goAway = 3
}

/// Header flags. SYN opens a stream, ACK accepts it, FIN half-closes, RST resets.
public struct YamuxFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let syn = YamuxFlags(rawValue: 0x1)
    public static let ack = YamuxFlags(rawValue: 0x2)
    public static let fin = YamuxFlags(rawValue: 0x4)
    public static let rst = YamuxFlags(rawValue: 0x8)
}

/// The 12-byte big-endian header: `version u8 | type u8 | flags u16 | stream_id u32 | length u32`.
public struct YamuxHeader: Sendable, Equatable {
    /// Header size on the wire.
    public static let size = 12
    /// The only protocol version.
    public static let version: UInt8 = 0

    public var type: YamuxFrameType
    public var flags: YamuxFlags
    public var streamID: UInt32
    public var length: UInt32

    public init(type: YamuxFrameType, flags: YamuxFlags = [], streamID: UInt32, length: UInt32) {
        self.type = type
        self.flags = flags
        self.streamID = streamID
        self.length = length
    }

    /// Decodes the first 12 bytes of `bytes`; rejects a non-zero version and unknown types.
    public static func decode(_ bytes: some Collection<UInt8>) throws(YamuxError) -> YamuxHeader {
        try decode(ArraySlice(bytes.prefix(size)))
    }

    /// ``decode(_:)`` of a slice, read in place (the receive path decodes every header this way, allocation-free).
    public static func decode(_ bytes: ArraySlice<UInt8>) throws(YamuxError) -> YamuxHeader {
        guard bytes.count >= size else { throw .truncatedHeader }
        let base = bytes.startIndex
        func be(_ offset: Int, _ count: Int) -> UInt32 {
            (0..<count).reduce(UInt32(0)) { $0 << 8 | UInt32(bytes[base + offset + $1]) }
        }
        guard bytes[base] == version else { throw .unsupportedVersion(bytes[base]) }
        guard let type = YamuxFrameType(rawValue: bytes[base + 1]) else { throw .unknownFrameType(bytes[base + 1]) }
        return YamuxHeader(
            type: type, flags: YamuxFlags(rawValue: UInt16(be(2, 2))), streamID: be(4, 4), length: be(8, 4))
    }

    /// Appends the 12 header bytes to `out`.
    public func encode(into out: inout [UInt8]) {
        out.append(YamuxHeader.version)
        out.append(type.rawValue)
        out.appendUInt16BE(flags.rawValue)
        out.appendUInt32BE(streamID)
        out.appendUInt32BE(length)
    }

    /// The 12 header bytes.
    public var encoded: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(YamuxHeader.size)
        encode(into: &out)
        return out
    }
}

/// Session-level GoAway codes: 0 normal, 1 protocol error, 2 internal error; go-libp2p also sends
/// `ConnErrorCode` values 0x1000–0x1008 (`core/network/conn.go`). Any other value is accepted as a generic error.
public struct YamuxGoAwayCode: RawRepresentable, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let normal = YamuxGoAwayCode(rawValue: 0)
    public static let protocolError = YamuxGoAwayCode(rawValue: 1)
    public static let internalError = YamuxGoAwayCode(rawValue: 2)
    /// go-libp2p `ConnGarbageCollected`.
    public static let goGarbageCollected = YamuxGoAwayCode(rawValue: 0x1005)

    /// True for go-libp2p's connection codes 0x1000–0x1008.
    public var isGoLibp2pCode: Bool { (0x1000...0x1008).contains(rawValue) }
}
