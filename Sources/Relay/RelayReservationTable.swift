import Libp2pCore

/// The reservations a relay holds, as a pure table on a monotonic clock: one per peer (a new RESERVE replaces it and
/// renews its expiry), freed when it expires or the peer's last connection to the relay closes, capped in total and
/// per IP group. It counts slots held, never a rate: a client that restarts and reserves again once its old
/// connection is gone gets a slot at once (go-libp2p#1713 locked such clients out).
public struct RelayReservationTable: Sendable {
    /// Why a RESERVE is refused (RESERVATION_REFUSED on the wire).
    public enum Refusal: String, Sendable, Equatable {
        /// ``RelayReservationLimits/maxReservations`` are held.
        case tooManyReservations = "max_reservations"
        /// ``RelayReservationLimits/maxPerIPGroup`` are held by peers of this IP group.
        case tooManyFromIPGroup = "ip_limit"
    }

    /// What a RESERVE did.
    public enum Outcome: Sendable, Equatable {
        /// Held until `expires` (monotonic nanoseconds); `renewed` when it replaced the peer's reservation.
        case reserved(expires: UInt64, renewed: Bool)
        case refused(Refusal)
    }

    public struct Reservation: Sendable, Equatable {
        public let ipGroup: [UInt8]
        public let expires: UInt64
    }

    public let limits: RelayReservationLimits
    private var reservations: [PeerID: Reservation] = [:]
    private var perGroup: [[UInt8]: Int] = [:]

    public init(limits: RelayReservationLimits = RelayReservationLimits()) {
        self.limits = limits
    }

    /// Reservations held (expired ones are dropped by ``expire(now:)``).
    public var count: Int { reservations.count }

    /// The peer's reservation, if it holds one that has not expired.
    public func reservation(of peer: PeerID, now: UInt64) -> Reservation? {
        guard let reservation = reservations[peer], now < reservation.expires else { return nil }
        return reservation
    }

    /// A RESERVE from `peer`, connected from `ipGroup`. A peer that holds one already renews it (from its new IP
    /// group, if it moved); the caps count the others.
    public mutating func reserve(_ peer: PeerID, ipGroup: [UInt8], now: UInt64) -> Outcome {
        expire(now: now)
        let existing = reservations[peer]
        let heldInGroup = perGroup[ipGroup, default: 0] - (existing?.ipGroup == ipGroup ? 1 : 0)
        if existing == nil && limits.maxReservations > 0 && reservations.count >= limits.maxReservations {
            return .refused(.tooManyReservations)
        }
        if limits.maxPerIPGroup > 0 && heldInGroup >= limits.maxPerIPGroup { return .refused(.tooManyFromIPGroup) }
        if existing != nil { remove(peer) }
        let expires = now &+ limits.ttlNanoseconds
        reservations[peer] = Reservation(ipGroup: ipGroup, expires: expires)
        perGroup[ipGroup, default: 0] += 1
        return .reserved(expires: expires, renewed: existing != nil)
    }

    /// The peer's last connection to the relay closed: its reservation (if any) is gone. Returns whether it held one.
    @discardableResult
    public mutating func release(_ peer: PeerID) -> Bool {
        guard reservations[peer] != nil else { return false }
        remove(peer)
        return true
    }

    /// Drops the reservations that expired by `now`; returns their peers.
    @discardableResult
    public mutating func expire(now: UInt64) -> [PeerID] {
        let expired = reservations.filter { now >= $0.value.expires }.map(\.key)
        for peer in expired { remove(peer) }
        return expired
    }

    /// When the next reservation expires (for the caller's timer), nil when none is held.
    public var nextExpiry: UInt64? { reservations.values.map(\.expires).min() }

    private mutating func remove(_ peer: PeerID) {
        guard let reservation = reservations.removeValue(forKey: peer) else { return }
        let remaining = perGroup[reservation.ipGroup, default: 1] - 1
        perGroup[reservation.ipGroup] = remaining > 0 ? remaining : nil
    }
}
