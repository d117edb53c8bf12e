import Libp2pCore
import Wire

/// A peer in a hop CONNECT (the target) or a stop CONNECT (the initiator):
///
/// ```
/// message Peer { required bytes id = 1; repeated bytes addrs = 2; }
/// ```
///
/// The ID and the addresses stay bytes here; ``peerID`` validates the ID where it is used. `addrs` only matter for
/// the deprecated active relay and are not sent by Waystone.
public struct RelayPeer: Equatable, Sendable {
    /// The binary peer ID (a multihash).
    public var id: [UInt8]
    /// Binary multiaddrs.
    public var addrs: [[UInt8]]

    public init(id: [UInt8], addrs: [[UInt8]] = []) {
        self.id = id
        self.addrs = addrs
    }

    /// The peer `peerID`, with `addresses` (none by default).
    public init(_ peerID: PeerID, addresses: [Multiaddr] = []) {
        self.init(id: peerID.bytes, addrs: addresses.map(\.bytes))
    }

    /// The ID as a peer ID, or `nil` when it is not a valid one (empty included).
    public var peerID: PeerID? { try? PeerID(multihashBytes: id) }

    /// Decodes a `Peer` into `base` (a repeated `peer` field merges: the last `id` wins, addresses append).
    init(bytes: [UInt8], mergingInto base: RelayPeer) throws(WireError) {
        self = base
        var reader = try ProtobufReader(bytes, maxMessageSize: bytes.count)
        while let field = try reader.next() {
            switch field.number {
            case 1: id = try field.bytes()
            case 2: addrs.append(try field.bytes())
            default: continue
            }
        }
    }

    /// The encoding, fields in number order; `id` is required, so it is written even when empty.
    var bytes: [UInt8] {
        var writer = ProtobufWriter()
        writer.writeBytes(field: 1, id)
        for address in addrs { writer.writeBytes(field: 2, address) }
        return writer.bytes
    }
}
