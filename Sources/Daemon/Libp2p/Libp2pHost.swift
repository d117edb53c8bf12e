import Libp2pCore
import Node
import WaystoneRuntime

/// What a ``Libp2pService`` may ask of the node: streams on connections, connections to peers, the peerstore, the
/// node's addresses, and the clock and timers. ``Libp2pRole`` implements it on the event loop; tests drive a service
/// with a fake host on a virtual clock and in-memory connections (`Tests/DaemonTests/FakeLibp2pHost.swift`).
protocol Libp2pHost: AnyObject {
    // MARK: Streams

    /// Opens a stream proposing `proto` on `session`, owned by `owner`: it hears back through
    /// ``Libp2pService/streamOpened(_:_:protocol:inbound:)`` or ``Libp2pService/streamOpenFailed(_:_:)``.
    func openStream(_ session: Libp2pSession, _ proto: String, owner: any Libp2pService) -> UInt32?
    /// Writes on a stream: nil when it is not writable, else how many bytes were taken (a prefix). After a short
    /// write the owner hears ``Libp2pService/streamWritable(_:_:)``. Never resets the stream by itself.
    @discardableResult
    func write(_ session: Libp2pSession, _ id: UInt32, _ bytes: ArraySlice<UInt8>) -> Int?
    /// Half-closes a stream (FIN after what was written).
    func closeWrite(_ session: Libp2pSession, _ id: UInt32)
    /// Resets a stream (`code` in the RST as go-yamux v5 sends it).
    func resetStream(_ session: Libp2pSession, _ id: UInt32, code: UInt32)
    /// Stops crediting what arrives on a stream: the peer stops after at most one window.
    func pauseReading(_ session: Libp2pSession, _ id: UInt32)
    /// Credits what arrived while paused and reads on.
    func resumeReading(_ session: Libp2pSession, _ id: UInt32)

    // MARK: Connections and peers

    /// An upgraded connection to `peer`, if there is one.
    func session(for peer: PeerID) -> Libp2pSession?
    /// Calls `completion` with an upgraded connection to `peer`: an existing one at once, else after dialing
    /// `address`; nil when that is not possible or fails.
    func connect(to peer: PeerID, at address: Multiaddr?, completion: @escaping (Libp2pSession?) -> Void)
    /// Whether `connect` can dial `address` (IP and TCP, public unless private addresses are allowed).
    func isDialable(_ address: Multiaddr) -> Bool
    /// Whether `connect` would start a dial now (not stopped, below the dials in flight).
    var canDial: Bool { get }
    var peerstore: Peerstore { get }
    /// The peer's peerstore entry with its signed peer record checked.
    func certifiedEntry(_ peer: PeerID) -> Peerstore.Entry?
    /// The addresses identify advertises.
    var advertisedAddresses: [Multiaddr] { get }

    // MARK: Clock

    /// Monotonic nanoseconds.
    var nowNanoseconds: UInt64 { get }
    /// Unix time in nanoseconds (for what is stored or sent: record expiries, snapshots).
    var wallClockNanoseconds: UInt64 { get }
    func schedule(afterNanoseconds delay: UInt64, _ body: @escaping () -> Void) -> TimerHandle
    func schedule(atNanoseconds deadline: UInt64, _ body: @escaping () -> Void) -> TimerHandle
    func cancel(_ timer: TimerHandle)
}

extension Libp2pHost {
    @discardableResult
    func write(_ session: Libp2pSession, _ id: UInt32, _ bytes: [UInt8]) -> Int? { write(session, id, bytes[...]) }

    func resetStream(_ session: Libp2pSession, _ id: UInt32) { resetStream(session, id, code: 0) }
}
