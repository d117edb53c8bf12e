import Kademlia
import Wire

/// Kademlia: the `/ipfs/kad/1.0.0` message codec and the routing-table snapshot.
public enum KademliaHarness {
    /// `KadMessage(bytes:)`: a decoded message re-encodes to bytes that decode equal and re-encode identically; the
    /// re-encoding is at most the input plus what sign-extending the int32 enums can add (5 bytes each, plus a grown
    /// length prefix per peer); trimming to 16 KiB fits or gives up; peers convert without trapping.
    public static func message(_ bytes: [UInt8], check: FuzzCheck) {
        guard let message = try? KadMessage(bytes: bytes) else { return }
        let encoded = message.bytes
        check(message.encodedSize == encoded.count, "encodedSize differs from the encoding's length")
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
    /// longer than the input plus the 3-byte table section an input without one gains. The input is decoded twice:
    /// as it is, and with its header's length field and its CRC fixed up, so mutations reach the body parser instead
    /// of all failing the checksum.
    public static func snapshot(_ bytes: [UInt8], check: FuzzCheck) {
        snapshotRoundTrip(bytes, check: check)
        guard bytes.count >= 16 else { return }
        var fixed = Array(bytes[0..<8])
        fixed.appendUInt32BE(UInt32(truncatingIfNeeded: bytes.count - 16))
        fixed += bytes[12..<(bytes.count - 4)]
        fixed.appendUInt32BE(CRC32.checksum(fixed))
        snapshotRoundTrip(fixed, check: check)
    }

    private static func snapshotRoundTrip(_ bytes: [UInt8], check: FuzzCheck) {
        guard let snapshot = try? RoutingTableSnapshot(bytes: bytes) else { return }
        let encoded = snapshot.encode()
        check((try? RoutingTableSnapshot(bytes: encoded)) == snapshot, "snapshot re-decodes differently")
        check(encoded.count <= bytes.count + 3, "re-encoding (\(encoded.count)) longer than the input + 3")
    }
}
