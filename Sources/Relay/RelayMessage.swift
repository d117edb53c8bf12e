import Wire

/// Circuit relay v2 constants and the decoding shared by ``HopMessage`` and ``StopMessage``.
///
/// Both protocols write `uvarint(len) || message` on the stream (see ``RelayWireMessage`` for framing); after the
/// CONNECT exchange the same streams carry the relayed bytes, so whatever follows the last message belongs to the
/// circuit.
public enum RelayMessage {
    /// The largest message (without its length prefix) read or written: go's and rust's `maxMessageSize`.
    public static let maxSize = 4096
    /// The hop protocol: RESERVE and CONNECT from clients to the relay.
    public static let hopProtocolID = "/libp2p/circuit/relay/0.2.0/hop"
    /// The stop protocol: the relay's CONNECT to the reserved peer.
    public static let stopProtocolID = "/libp2p/circuit/relay/0.2.0/stop"

    /// A framer for one hop or stop stream: it refuses a declared length over ``maxSize`` before buffering it.
    public static func makeFramer() -> LengthPrefixedFramer {
        LengthPrefixedFramer(maxFrameSize: maxSize)
    }

    /// Calls `visit` with every field of a message of at most ``maxSize`` bytes, mapping wire errors to
    /// ``RelayError/malformed(_:)``.
    static func forEachField(
        of bytes: [UInt8], _ visit: (ProtobufField) throws(WireError) -> Void
    ) throws(RelayError) {
        guard bytes.count <= maxSize else { throw .tooLarge(limit: maxSize) }
        do throws(WireError) {
            var reader = try ProtobufReader(bytes, maxMessageSize: maxSize)
            while let field = try reader.next() { try visit(field) }
        } catch {
            throw .malformed(error)
        }
    }

    /// The spec's name of an enum value numbered from 0, or `UNKNOWN(<value>)`.
    static func name(of rawValue: Int32, in names: [String]) -> String {
        rawValue >= 0 && rawValue < names.count ? names[Int(rawValue)] : "UNKNOWN(\(rawValue))"
    }

    /// A protobuf enum value: the low 32 bits of the varint, as protobuf reads an `int32`.
    static func enumValue(_ field: ProtobufField) throws(WireError) -> Int32 {
        Int32(truncatingIfNeeded: try field.varint())
    }
}

extension ProtobufWriter {
    /// Writes an enum field with presence (proto2 `optional`): always, zero included; negative values take 10
    /// bytes (sign-extended), as protobuf requires.
    mutating func writeEnum(field: UInt32, _ value: Int32) {
        writeVarint(field: field, UInt64(bitPattern: Int64(value)))
    }
}
