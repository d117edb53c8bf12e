import Wire

/// The limits a relay applies to one relayed connection (`message Limit`, sent in reservation and CONNECT replies and
/// in the stop CONNECT):
///
/// ```
/// message Limit { optional uint32 duration = 1; optional uint64 data = 2; }
/// ```
///
/// `0` means no limit for either field, as does an absent field, so presence is not kept. Both fields are always
/// written, as go-libp2p's relay does.
public struct RelayLimit: Equatable, Sendable {
    /// The go, rust and js relay default: 2 minutes and 128 KiB per direction, enough for hole punching.
    public static let `default` = RelayLimit(duration: 120, data: 128 * 1024)
    /// No limit at all (what an absent `limit` field means too).
    public static let unlimited = RelayLimit(duration: 0, data: 0)

    /// The longest a relayed connection stays open, in seconds; 0 = no limit.
    public var duration: UInt32
    /// The most bytes relayed in each direction; 0 = no limit.
    public var data: UInt64

    public init(duration: UInt32, data: UInt64) {
        self.duration = duration
        self.data = data
    }

    /// Decodes a `Limit` into `base` (protobuf merges a repeated embedded message; the last scalar wins). A
    /// `duration` beyond 32 bits keeps its low 32 bits, as protobuf's `uint32` does.
    init(bytes: [UInt8], mergingInto base: RelayLimit) throws(WireError) {
        self = base
        var reader = try ProtobufReader(bytes, maxMessageSize: bytes.count)
        while let field = try reader.next() {
            switch field.number {
            case 1: duration = UInt32(truncatingIfNeeded: try field.varint())
            case 2: data = try field.varint()
            default: continue
            }
        }
    }

    /// The encoding, both fields written.
    var bytes: [UInt8] {
        var writer = ProtobufWriter()
        writer.writeVarint(field: 1, UInt64(duration))
        writer.writeVarint(field: 2, data)
        return writer.bytes
    }
}
