import Identify
import Libp2pCore
import Node

/// Node: the inbound connection upgrade.
public enum NodeHarness {
    /// `Libp2pConnection` with the fixed identity and Noise keys of the Noise vectors (so seeds built from that
    /// transcript get past the handshake) fed the input in random splits (seeded by its first byte), with timer
    /// ticks: it never traps, and once closed it stays closed, silent and without events.
    public static func inbound(_ bytes: [UInt8], check: FuzzCheck) {
        var keys = [NoiseHarness.staticKey.rawRepresentation, NoiseHarness.ephemeralKey.rawRepresentation]
        let identity = NoiseHarness.identity
        guard
            var connection = try? Libp2pConnection(
                identity: identity, randomBytes: { _ in keys.isEmpty ? [] : keys.removeFirst() },
                identify: { _ in
                    IdentifyMessage(
                        protocolVersion: "ipfs/0.1.0", agentVersion: "waystone/fuzz",
                        publicKey: identity.publicKey.protobufBytes, observedAddr: [4, 127, 0, 0, 1, 6, 0x10, 0x00],
                        protocols: [Libp2pConnection.identifyProtocol, Libp2pConnection.pingProtocol])
                })
        else {
            check(false, "Libp2pConnection init failed")
            return
        }
        var now: UInt64 = 1_000
        for chunk in Chunks.split(bytes, maxChunk: 128) {
            let wasClosed = connection.isClosed
            let out = connection.receive(chunk, now: now)
            if wasClosed {
                check(out.bytes.isEmpty && out.events.isEmpty && connection.isClosed, "output after close")
            }
            if connection.isClosed { check(out.close || wasClosed, "closed without telling the caller") }
            now += 50_000_000
            if let deadline = connection.nextDeadline, deadline <= now {
                let ticked = connection.tick(now: now)
                if connection.isClosed && wasClosed { check(ticked.bytes.isEmpty, "tick output after close") }
            }
        }
    }
}
