import Libp2pCore
import Wire

/// A `/libp2p/circuit/relay/0.2.0/stop` message (circuit relay v2 spec):
///
/// ```
/// message StopMessage {
///   enum Type { CONNECT = 0; STATUS = 1; }
///   required Type type = 1;
///   optional Peer peer = 2; optional Limit limit = 3; optional Status status = 4;
/// }
/// ```
///
/// The relay sends CONNECT (the initiator's peer ID and the circuit's limit) to the reserved peer, which answers
/// STATUS. Presence, field order and repeated fields as in ``HopMessage``: `type` is always written, CONNECT (0)
/// included, and a message without one (go omits a zero `type`) decodes as CONNECT.
public struct StopMessage: RelayWireMessage {
    public var type: MessageType
    /// CONNECT: the initiator of the circuit.
    public var peer: RelayPeer?
    /// CONNECT: the circuit's limits; absent = no limits.
    public var limit: RelayLimit?
    /// STATUS: the outcome.
    public var status: RelayStatus?

    public init(type: MessageType, peer: RelayPeer? = nil, limit: RelayLimit? = nil, status: RelayStatus? = nil) {
        self.type = type
        self.peer = peer
        self.limit = limit
        self.status = status
    }

    /// The message type (open, like ``HopMessage/MessageType``).
    public struct MessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let connect = MessageType(rawValue: 0)
        public static let status = MessageType(rawValue: 1)

        public var description: String { RelayMessage.name(of: rawValue, in: ["CONNECT", "STATUS"]) }
    }

    /// `{type: CONNECT, peer: {id}, limit}`: the relay tells the reserved peer who is connecting.
    public static func connect(from initiator: PeerID, limit: RelayLimit?) -> StopMessage {
        StopMessage(type: .connect, peer: RelayPeer(initiator), limit: limit)
    }

    /// `{type: STATUS, status}`: the reserved peer's answer.
    public static func status(_ status: RelayStatus) -> StopMessage {
        StopMessage(type: .status, status: status)
    }

    public init(bytes: [UInt8]) throws(RelayError) {
        self.init(type: .connect)
        try RelayMessage.forEachField(of: bytes) { field throws(WireError) in
            switch field.number {
            case 1: type = MessageType(rawValue: try RelayMessage.enumValue(field))
            case 2: peer = try RelayPeer(bytes: try field.bytes(), mergingInto: peer ?? RelayPeer(id: []))
            case 3: limit = try RelayLimit(bytes: try field.bytes(), mergingInto: limit ?? .unlimited)
            case 4: status = RelayStatus(rawValue: try RelayMessage.enumValue(field))
            default: break
            }
        }
    }

    public var bytes: [UInt8] {
        var writer = ProtobufWriter()
        writer.writeEnum(field: 1, type.rawValue)
        if let peer { writer.writeBytes(field: 2, peer.bytes) }
        if let limit { writer.writeBytes(field: 3, limit.bytes) }
        if let status { writer.writeEnum(field: 4, status.rawValue) }
        return writer.bytes
    }
}
