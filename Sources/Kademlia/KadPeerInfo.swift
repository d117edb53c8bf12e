import Libp2pCore

/// A peer and the addresses to reach it: what the routing table hands out and lookups query.
public struct KadPeerInfo: Hashable, Sendable {
    public var peer: PeerID
    /// Addresses in preference order (binary multiaddrs validated by ``Multiaddr``).
    public var addresses: [Multiaddr]

    public init(peer: PeerID, addresses: [Multiaddr] = []) {
        self.peer = peer
        self.addresses = addresses
    }

    /// Validates a peer received in a kad message: `nil` when its ID is not a valid peer ID. Addresses that do not
    /// parse (unknown protocol codes included) are dropped one by one, as go does, never the whole peer.
    public init?(_ peer: KadMessage.Peer) {
        guard let id = try? PeerID(multihashBytes: peer.id) else { return nil }
        self.init(peer: id, addresses: peer.addrs.compactMap { try? Multiaddr(bytes: $0) })
    }

    /// The peer as listed in a kad message.
    public func message(connection: KadMessage.ConnectionType = .notConnected) -> KadMessage.Peer {
        KadMessage.Peer(id: peer.bytes, addrs: addresses.map(\.bytes), connection: connection)
    }
}
