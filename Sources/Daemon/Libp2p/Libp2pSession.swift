import Libp2pCore
import Node
import WaystoneRuntime

/// One libp2p connection of the ``Libp2pRole``: the socket, its connection machine and the role's bookkeeping.
/// Services see sessions in their callbacks and pass them back to the role to open and write streams.
final class Libp2pSession {
    let connection: TCPConnection
    var machine: Libp2pConnection
    var handshakeTimer: TimerHandle?
    var tickTimer: TimerHandle?
    var upgraded = false
    let isInbound: Bool
    let startedAt: UInt64
    /// The peer an outbound connection was dialed for.
    let expectedPeer: PeerID?
    /// The `connect` dial it serves, if any.
    var dialToken: UInt64?
    /// Bytes this connection held at the last count (part of ``Libp2pRole/bufferedBytes``).
    var buffered = 0
    /// While a read is handled, output collects in `outbox` and is written once at the end.
    var corked = false
    var outbox: [UInt8] = []

    init(connection: TCPConnection, machine: Libp2pConnection, startedAt: UInt64) {
        self.connection = connection
        self.machine = machine
        self.startedAt = startedAt
        if case .outbound(let peer) = machine.direction {
            isInbound = false
            expectedPeer = peer
        } else {
            isInbound = true
            expectedPeer = nil
        }
    }

    var direction: String { isInbound ? "inbound" : "outbound" }
    /// The authenticated remote peer, once Noise finished.
    var remotePeer: PeerID? { machine.remotePeer }
}

/// A protocol service on top of the libp2p role (Kademlia first; relay, rendezvous, AutoNAT later). The role calls
/// it on the event loop thread. Stream callbacks go to every service: each ignores streams it does not know.
protocol Libp2pService: AnyObject {
    /// Protocol IDs accepted on inbound streams (advertised in identify).
    var protocols: [String] { get }
    /// Called once, when the role is set up (listeners bound), before any connection.
    func start(host: Libp2pRole)
    /// A stream of one of `protocols` was opened by the peer (`inbound`), or the peer accepted one we opened.
    func streamOpened(_ session: Libp2pSession, _ id: UInt32, protocol: String, inbound: Bool)
    func streamData(_ session: Libp2pSession, _ id: UInt32, _ bytes: [UInt8])
    /// The peer finished (FIN), reset or refused the stream.
    func streamClosed(_ session: Libp2pSession, _ id: UInt32)
    /// The peer's identify (answer or push) arrived; `entry` is its merged peerstore entry.
    func peerIdentified(_ session: Libp2pSession, _ peer: PeerID, _ entry: Peerstore.Entry)
    /// The connection closed; its streams are gone.
    func connectionClosed(_ session: Libp2pSession)
    /// Bytes the service holds for this connection (partial messages), counted against the role's memory limits.
    func bufferedBytes(of session: Libp2pSession) -> Int
    /// The role stops (SIGTERM): stop timers, save state.
    func stop()
}
