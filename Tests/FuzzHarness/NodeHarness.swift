import Identify
import Libp2pCore
import Node
import Yamux

/// Node: the inbound connection upgrade.
public enum NodeHarness {
    static let appProtocol = "/fuzz/1"

    /// What a service might do on an application stream event.
    private static func drive(
        _ connection: inout Libp2pConnection, _ event: ConnectionEvent, _ index: Int, _ now: UInt64,
        _ check: FuzzCheck
    ) {
        var out = Libp2pConnection.Output()
        switch event {
        case .streamData(let id, let bytes):
            let written = connection.write(id, bytes, output: &out)
            check(written.map { $0 <= bytes.count } ?? true, "write took more than offered")
            if index % 3 == 0 { connection.pauseReading(id) }
            if index % 3 == 1 { connection.resumeReading(id, now: now, output: &out) }
            if index % 7 == 5 { connection.capReceiveWindow(id, at: UInt32(1 + index % 8192)) }
        case .streamFinished(let id):
            check(connection.hasStream(id), "finished stream unknown")
            if index % 4 == 0 {
                connection.resetStream(id, code: 1, output: &out)
            } else {
                connection.closeWrite(id, output: &out)
            }
        case .streamReset(let id, _), .streamOpenFailed(let id):
            check(connection.write(id, [1], output: &out) == nil, "write on a gone stream")
        case .streamClosed(let id):
            check(!connection.hasStream(id), "closed stream still known")
        default:
            break
        }
    }

    /// `Libp2pConnection` with the fixed identity and Noise keys of the Noise vectors (so seeds built from that
    /// transcript get past the handshake) fed the input in random splits (seeded by its first byte), through both
    /// `receive` variants, with timer ticks: it never traps, and once closed it stays closed, silent and without
    /// events. Streams of the application protocol `/fuzz/1` are echoed (short writes allowed), paused, resumed, capped,
    /// finished and reset by turns, and the transport is blocked now and then: writes only succeed on open streams
    /// and never take more than offered, and what the connection buffers stays within its queue bounds.
    public static func inbound(_ bytes: [UInt8], check: FuzzCheck) {
        var keys = [NoiseHarness.staticKey.rawRepresentation, NoiseHarness.ephemeralKey.rawRepresentation]
        let identity = NoiseHarness.identity
        guard
            var connection = try? Libp2pConnection(
                identity: identity, randomBytes: { _ in keys.isEmpty ? [] : keys.removeFirst() },
                applicationProtocols: [appProtocol],
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
        let bound = YamuxConfig().maxQueuedBytesTotal + YamuxConfig().maxPendingOutputBytes + 64 * 1024
        for (index, chunk) in Chunks.split(bytes, maxChunk: 128).enumerated() {
            let wasClosed = connection.isClosed
            var out =
                index % 2 == 0
                ? connection.receive(chunk, now: now) : chunk.withUnsafeBytes { connection.receive($0, now: now) }
            if wasClosed {
                check(out.bytes.isEmpty && out.events.isEmpty && connection.isClosed, "output after close")
            }
            if index % 5 == 2 { connection.setTransportBlocked(index % 10 == 2, output: &out) }
            for event in out.events { drive(&connection, event, index, now, check) }
            check(connection.bufferedBytes <= bound, "buffered \(connection.bufferedBytes) > \(bound)")
            if connection.isClosed { check(out.close || wasClosed, "closed without telling the caller") }
            now += 50_000_000
            if let deadline = connection.nextDeadline, deadline <= now {
                let ticked = connection.tick(now: now)
                if connection.isClosed && wasClosed { check(ticked.bytes.isEmpty, "tick output after close") }
            }
        }
    }
}
