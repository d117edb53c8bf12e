/// Limits of a relay's reservation table (go-libp2p's relay defaults; `relay.*` config later).
public struct RelayReservationLimits: Equatable, Sendable {
    /// How long a reservation lasts unless refreshed, in nanoseconds (go, rust: 1 h).
    public var ttlNanoseconds: UInt64 = 3_600_000_000_000
    /// Reservations held at once (go: 128); 0 = no limit.
    public var maxReservations = 128
    /// Reservations held at once by peers of one IP group (go: 8 per IP); 0 = no limit.
    public var maxPerIPGroup = 8

    public init() {}
}
