import Libp2pCore
import Wire

/// A `/libp2p/circuit/relay/0.2.0/hop` message (circuit relay v2 spec):
///
/// ```
/// message HopMessage {
///   enum Type { RESERVE = 0; CONNECT = 1; STATUS = 2; }
///   required Type type = 1;
///   optional Peer peer = 2; optional Reservation reservation = 3; optional Limit limit = 4;
///   optional Status status = 5;
/// }
/// ```
///
/// `type` is always written, RESERVE (0) included, as the spec's proto2 schema requires; go-libp2p's proto3 copy of
/// the schema omits a zero `type`, so a message without one decodes as RESERVE. The optional fields keep their
/// presence (`nil` = absent). Encoding writes fields in number order with minimal varints, so a message go or rust
/// encoded re-encodes byte-exact. A repeated field follows protobuf's rules: the last scalar wins, embedded messages
/// merge.
public struct HopMessage: RelayWireMessage {
    public var type: MessageType
    /// CONNECT: the target peer.
    public var peer: RelayPeer?
    /// STATUS OK in reply to RESERVE.
    public var reservation: RelayReservation?
    /// STATUS OK in reply to RESERVE or CONNECT; absent = no limits.
    public var limit: RelayLimit?
    /// STATUS: the outcome.
    public var status: RelayStatus?

    public init(
        type: MessageType, peer: RelayPeer? = nil, reservation: RelayReservation? = nil, limit: RelayLimit? = nil,
        status: RelayStatus? = nil
    ) {
        self.type = type
        self.peer = peer
        self.reservation = reservation
        self.limit = limit
        self.status = status
    }

    /// The message type. Open like the other protobuf enums here: an unknown value decodes and re-encodes unchanged
    /// (the relay answers it with `MALFORMED_MESSAGE`).
    public struct MessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let reserve = MessageType(rawValue: 0)
        public static let connect = MessageType(rawValue: 1)
        public static let status = MessageType(rawValue: 2)

        public var description: String { RelayMessage.name(of: rawValue, in: ["RESERVE", "CONNECT", "STATUS"]) }
    }

    /// `{type: RESERVE}`: a client asks for (or refreshes) a reservation.
    public static let reserve = HopMessage(type: .reserve)

    /// `{type: CONNECT, peer: {id}}`: a client asks for a circuit to `target`.
    public static func connect(to target: PeerID) -> HopMessage {
        HopMessage(type: .connect, peer: RelayPeer(target))
    }

    /// `{type: STATUS, status, reservation, limit}`: the relay's answer to RESERVE or CONNECT.
    public static func status(
        _ status: RelayStatus, reservation: RelayReservation? = nil, limit: RelayLimit? = nil
    ) -> HopMessage {
        HopMessage(type: .status, reservation: reservation, limit: limit, status: status)
    }

    public init(bytes: [UInt8]) throws(RelayError) {
        self.init(type: .reserve)
        try RelayMessage.forEachField(of: bytes) { field throws(WireError) in
            switch field.number {
            case 1: type = MessageType(rawValue: try RelayMessage.enumValue(field))
            case 2: peer = try RelayPeer(bytes: try field.bytes(), mergingInto: peer ?? RelayPeer(id: []))
            case 3:
                reservation = try RelayReservation(
                    bytes: try field.bytes(), mergingInto: reservation ?? RelayReservation(expire: 0))
            case 4: limit = try RelayLimit(bytes: try field.bytes(), mergingInto: limit ?? .unlimited)
            case 5: status = RelayStatus(rawValue: try RelayMessage.enumValue(field))
            default: break
            }
        }
    }

    public var bytes: [UInt8] {
        var writer = ProtobufWriter()
        writer.writeEnum(field: 1, type.rawValue)
        if let peer { writer.writeBytes(field: 2, peer.bytes) }
        if let reservation { writer.writeBytes(field: 3, reservation.bytes) }
        if let limit { writer.writeBytes(field: 4, limit.bytes) }
        if let status { writer.writeEnum(field: 5, status.rawValue) }
        return writer.bytes
    }
}
