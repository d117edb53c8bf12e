import Libp2pCore
import Relay
import Testing

/// The reservation table on a virtual clock: one per peer with renewal, expiry at the TTL, caps in total and per
/// IP group, and slots (not a rate) so a restarted client reserves again at once.
@Suite struct RelayReservationTableTests {
    static let second: UInt64 = 1_000_000_000
    let ipA: [UInt8] = [192, 0, 2, 1]
    let ipB: [UInt8] = [192, 0, 2, 2]

    static func peers(_ n: Int) -> [PeerID] { (0..<n).map { _ in Libp2pPrivateKey.generateEd25519().peerID } }

    static func limits(ttl: UInt64 = 3600, total: Int = 128, perIP: Int = 8) -> RelayReservationLimits {
        var limits = RelayReservationLimits()
        limits.ttlNanoseconds = ttl * second
        limits.maxReservations = total
        limits.maxPerIPGroup = perIP
        return limits
    }

    @Test func oneReservationPerPeerRenewedAndExpiringAtItsTTL() {
        var table = RelayReservationTable(limits: Self.limits(ttl: 60))
        let peer = Self.peers(1)[0]
        var outcome = table.reserve(peer, ipGroup: ipA, now: 0)
        #expect(outcome == .reserved(expires: 60 * Self.second, renewed: false))
        outcome = table.reserve(peer, ipGroup: ipA, now: 30 * Self.second)
        #expect(outcome == .reserved(expires: 90 * Self.second, renewed: true))
        #expect(table.count == 1)
        #expect(table.nextExpiry == 90 * Self.second)
        #expect(table.reservation(of: peer, now: 90 * Self.second - 1) != nil)
        #expect(table.reservation(of: peer, now: 90 * Self.second) == nil)
        let expired = table.expire(now: 90 * Self.second)
        #expect(expired == [peer])
        #expect(table.count == 0 && table.nextExpiry == nil)
    }

    @Test func totalAndPerIPCapsCountHeldSlots() {
        var table = RelayReservationTable(limits: Self.limits(total: 3, perIP: 2))
        let peers = Self.peers(5)
        var outcome = table.reserve(peers[0], ipGroup: ipA, now: 0)
        #expect(outcome == .reserved(expires: 3600 * Self.second, renewed: false))
        outcome = table.reserve(peers[1], ipGroup: ipA, now: 0)
        #expect(outcome == .reserved(expires: 3600 * Self.second, renewed: false))
        outcome = table.reserve(peers[2], ipGroup: ipA, now: 0)
        #expect(outcome == .refused(.tooManyFromIPGroup))
        // A peer already holding one renews it although its group is full.
        outcome = table.reserve(peers[1], ipGroup: ipA, now: 1)
        #expect(outcome == .reserved(expires: 3600 * Self.second + 1, renewed: true))
        outcome = table.reserve(peers[2], ipGroup: ipB, now: 0)
        #expect(outcome == .reserved(expires: 3600 * Self.second, renewed: false))
        outcome = table.reserve(peers[3], ipGroup: ipB, now: 0)
        #expect(outcome == .refused(.tooManyReservations))
        // Moving to another group frees a slot in the old one.
        outcome = table.reserve(peers[1], ipGroup: ipB, now: 2)
        #expect(outcome == .reserved(expires: 3600 * Self.second + 2, renewed: true))
        outcome = table.reserve(peers[4], ipGroup: ipA, now: 3)
        #expect(outcome == .refused(.tooManyReservations))
        table.release(peers[0])
        outcome = table.reserve(peers[4], ipGroup: ipA, now: 4)
        #expect(outcome == .reserved(expires: 3600 * Self.second + 4, renewed: false))
    }

    /// go-libp2p#1713: a client that crashed and reconnects must get its slot back at once, however often it does.
    @Test func aRestartingClientReservesAgainAtOnce() {
        var table = RelayReservationTable(limits: Self.limits(total: 1, perIP: 1))
        let peer = Self.peers(1)[0]
        for restart in 0..<100 {
            let now = UInt64(restart) * Self.second / 10
            let outcome = table.reserve(peer, ipGroup: ipA, now: now)
            #expect(outcome == .reserved(expires: now + 3600 * Self.second, renewed: false))
            let released = table.release(peer)  // its connection closed
            #expect(released)
        }
        let released = table.release(peer)
        #expect(!released)
        #expect(table.count == 0)
    }

    /// Expired reservations free their slots for the next RESERVE without an explicit `expire` call.
    @Test func expiredSlotsAreReusable() {
        var table = RelayReservationTable(limits: Self.limits(ttl: 10, total: 1, perIP: 0))
        let (first, second) = (Self.peers(2)[0], Self.peers(2)[1])
        var outcome = table.reserve(first, ipGroup: ipA, now: 0)
        #expect(outcome == .reserved(expires: 10 * Self.second, renewed: false))
        outcome = table.reserve(second, ipGroup: ipB, now: 10 * Self.second - 1)
        #expect(outcome == .refused(.tooManyReservations))
        outcome = table.reserve(second, ipGroup: ipB, now: 10 * Self.second)
        #expect(outcome == .reserved(expires: 20 * Self.second, renewed: false))
        #expect(table.reservation(of: first, now: 10 * Self.second) == nil)
    }
}
