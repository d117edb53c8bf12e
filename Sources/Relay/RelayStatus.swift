/// The `Status` code of a hop or stop `STATUS` message (circuit relay v2 spec, `enum Status`).
///
/// The enum is open: a code this node does not know (a newer peer's) decodes and re-encodes unchanged and stays
/// distinguishable from every known one, so a relay or client can log it and treat it as a failure.
public struct RelayStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// go-libp2p's proto3 placeholder for "no status" (`UNUSED = 0`); never sent. The spec's proto2 schema has no
    /// zero value.
    public static let unused = RelayStatus(rawValue: 0)
    public static let ok = RelayStatus(rawValue: 100)
    /// RESERVE refused for a reason other than an ACL (too many reservations, draining, no public address).
    public static let reservationRefused = RelayStatus(rawValue: 200)
    /// Too many circuits from the initiator or to the target, or the relay is draining.
    public static let resourceLimitExceeded = RelayStatus(rawValue: 201)
    /// Refused by an ACL (RESERVE or CONNECT).
    public static let permissionDenied = RelayStatus(rawValue: 202)
    /// The relay could not open the stop stream, or the target refused it.
    public static let connectionFailed = RelayStatus(rawValue: 203)
    /// CONNECT to a peer without an active reservation.
    public static let noReservation = RelayStatus(rawValue: 204)
    public static let malformedMessage = RelayStatus(rawValue: 400)
    public static let unexpectedMessage = RelayStatus(rawValue: 401)

    /// Every code the spec defines (``unused`` excluded), in numeric order.
    public static let known: [RelayStatus] = [
        .ok, .reservationRefused, .resourceLimitExceeded, .permissionDenied, .connectionFailed, .noReservation,
        .malformedMessage, .unexpectedMessage,
    ]

    /// The spec's name (`NO_RESERVATION`), or `UNKNOWN(<code>)`.
    public var description: String {
        switch self {
        case .unused: "UNUSED"
        case .ok: "OK"
        case .reservationRefused: "RESERVATION_REFUSED"
        case .resourceLimitExceeded: "RESOURCE_LIMIT_EXCEEDED"
        case .permissionDenied: "PERMISSION_DENIED"
        case .connectionFailed: "CONNECTION_FAILED"
        case .noReservation: "NO_RESERVATION"
        case .malformedMessage: "MALFORMED_MESSAGE"
        case .unexpectedMessage: "UNEXPECTED_MESSAGE"
        default: "UNKNOWN(\(rawValue))"
        }
    }

    /// Whether the code is one the spec defines (``unused`` included).
    public var isKnown: Bool { self == .unused || Self.known.contains(self) }
}
