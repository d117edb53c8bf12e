import Libp2pCore
import Node
import WaystoneRuntime

/// The byte pipe under a ``Libp2pSession``: a `TCPConnection` in the daemon, an in-memory pipe in tests.
protocol Libp2pTransport: AnyObject {
    var remoteAddress: SocketAddress { get }
    var isClosed: Bool { get }
    /// Bytes accepted by `write` and not yet sent.
    var queuedBytes: Int { get }
    /// Above the high-water mark: producers should hold back until it drains (``Libp2pSession/transportBlocked``).
    var isBackpressured: Bool { get }
    /// The queue size above which it is backpressured.
    var highWaterMark: Int { get }
    func write(_ bytes: [UInt8])
    func close()
    func closeAfterFlush()
}

extension TCPConnection: Libp2pTransport {}

/// One libp2p connection of the ``Libp2pRole``: the socket, its connection machine and the role's bookkeeping.
/// Services see sessions in their callbacks and pass them back to the host to open and write streams.
final class Libp2pSession {
    let connection: any Libp2pTransport
    var machine: Libp2pConnection
    /// The service each application stream belongs to: the one serving its protocol, or the one that opened it.
    /// Stream events go to the owner only.
    var owners: [UInt32: any Libp2pService] = [:]
    /// Whether the machine was told the transport is backed up (stream data then waits in Yamux).
    var transportBlocked = false
    /// Events of calls a service made (write, close, …), delivered on the next loop turn rather than inside the call.
    var deferredEvents: [ConnectionEvent] = []
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

    init(connection: any Libp2pTransport, machine: Libp2pConnection, startedAt: UInt64) {
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

/// A protocol service on top of the libp2p host (Kademlia first; relay, rendezvous, AutoNAT later), called on the
/// event loop thread. Stream events reach only the stream's owner: the service of the negotiated protocol for an
/// inbound stream, the opener for an outbound one. Connection and identify events go to every service.
protocol Libp2pService: AnyObject {
    /// Protocol IDs accepted on inbound streams (advertised in identify).
    var protocols: [String] { get }
    /// Called once, when the host is set up (listeners bound), before any connection.
    func start(host: any Libp2pHost)
    /// A stream of one of `protocols` was opened by the peer (`inbound`), or the peer accepted one we opened.
    func streamOpened(_ session: Libp2pSession, _ id: UInt32, protocol: String, inbound: Bool)
    /// Bytes on a stream; credited back to the peer at once unless the service paused reading the stream.
    func streamData(_ session: Libp2pSession, _ id: UInt32, _ bytes: ArraySlice<UInt8>)
    /// A stream that took fewer bytes than offered has room again.
    func streamWritable(_ session: Libp2pSession, _ id: UInt32)
    /// The peer finished its half (FIN); ours stays writable until `closeWrite` or `reset`.
    func streamFinished(_ session: Libp2pSession, _ id: UInt32)
    /// The peer reset the stream (`code`: go-yamux's RST error code, 0 when none came); it is gone.
    func streamReset(_ session: Libp2pSession, _ id: UInt32, code: UInt32)
    /// A stream we opened was refused by the peer (protocol not supported, reset or finished first); it is gone.
    func streamOpenFailed(_ session: Libp2pSession, _ id: UInt32)
    /// The peer's identify (answer or push) arrived; `entry` is its merged peerstore entry.
    func peerIdentified(_ session: Libp2pSession, _ peer: PeerID, _ entry: Peerstore.Entry)
    /// The connection closed; its streams are gone.
    func connectionClosed(_ session: Libp2pSession)
    /// Bytes the service holds for this connection (partial messages), counted against the host's memory limits.
    func bufferedBytes(of session: Libp2pSession) -> Int
    /// The host stops (SIGTERM): stop timers, save state.
    func stop()
}

extension Libp2pService {
    func streamWritable(_ session: Libp2pSession, _ id: UInt32) {}
}
