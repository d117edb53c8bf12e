import Kademlia

/// Kademlia: the `/ipfs/kad/1.0.0` message codec and the routing-table snapshot.
public enum KademliaHarness {
    /// `KadMessage(bytes:)`: a decoded message re-encodes to bytes that decode equal and re-encode identically; the
    /// re-encoding is at most the input plus what sign-extending the int32 enums can add (5 bytes each, plus a grown
    /// length prefix per peer); trimming to 16 KiB fits or gives up; peers convert without trapping.
    public static func message(_ bytes: [UInt8], check: FuzzCheck) {
        guard let message = try? KadMessage(bytes: bytes) else { return }
        let encoded = message.bytes
        let again = try? KadMessage(bytes: encoded)
        check(again == message, "kad message re-decodes differently")
        check(again?.bytes == encoded, "kad re-encoding is not a fixed point")
        let peers = message.closerPeers.count + message.providerPeers.count
        let bound = bytes.count + 5 * 2 + 6 * peers
        check(encoded.count <= bound, "re-encoding (\(encoded.count)) above the bound (\(bound))")
        if let fitted = message.fitted() {
            check(fitted.bytes.count <= KadMessage.maxResponseBytes, "fitted message over 16 KiB")
        } else {
            check(encoded.count > KadMessage.maxResponseBytes, "a message under 16 KiB did not fit")
        }
        for peer in message.closerPeers + message.providerPeers {
            if let info = KadPeerInfo(peer) {
                check(info.peer.bytes == peer.id, "peer ID bytes changed")
                check(info.addresses.count <= peer.addrs.count, "addresses appeared")
            }
        }
    }

    /// `RoutingTableSnapshot(bytes:)`: never traps; a decoded snapshot re-encodes to bytes that decode equal, no
    /// longer than the input plus the 3-byte table section an input without one gains.
    public static func snapshot(_ bytes: [UInt8], check: FuzzCheck) {
        guard let snapshot = try? RoutingTableSnapshot(bytes: bytes) else { return }
        let encoded = snapshot.encode()
        check((try? RoutingTableSnapshot(bytes: encoded)) == snapshot, "snapshot re-decodes differently")
        check(encoded.count <= bytes.count + 3, "re-encoding (\(encoded.count)) longer than the input + 3")
    }
}
