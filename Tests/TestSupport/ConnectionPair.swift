import Crypto
import Identify
import Libp2pCore
import Node
import Yamux

/// Two ``Libp2pConnection`` machines wired back to back in memory under a virtual clock: what one side outputs is
/// delivered to the other, cut as ``split`` says (whole, fixed-size pieces, or seeded random pieces). Tests step it
/// and react to the events in between (write more, pause, resume), so flow control can be checked without sockets.
public struct ConnectionPair {
    public enum Side: Sendable, Equatable {
        case dialer
        case listener
    }

    /// How delivered bytes are cut.
    public enum Split: Sendable {
        case whole
        case pieces(Int)
        case random(SeededGenerator, maxPiece: Int)
    }

    public var dialer: Libp2pConnection
    public var listener: Libp2pConnection
    public var split: Split
    /// Virtual monotonic time in nanoseconds, advanced by ``oneWayDelay`` per delivery.
    public var now: UInt64 = 0
    public var oneWayDelay: UInt64 = 1_000_000
    /// Set when a side asked to close its connection.
    public private(set) var closed: Set<Side> = []
    private var toDialer: [UInt8] = []
    private var toListener: [UInt8] = []

    /// A dialer and a listener with fresh Ed25519 identities; `applicationProtocols` are the listener's.
    public init(
        applicationProtocols: Set<String> = [], dialerYamux: YamuxConfig = YamuxConfig(),
        listenerYamux: YamuxConfig = YamuxConfig(), limits: ConnectionLimits = ConnectionLimits(),
        split: Split = .whole
    ) throws {
        let listenerKey = Libp2pPrivateKey.generateEd25519()
        listener = try Libp2pConnection(
            identity: listenerKey, randomBytes: SecureRandom.bytes, yamux: listenerYamux, limits: limits,
            applicationProtocols: applicationProtocols
        ) { _ in IdentifyMessage(agentVersion: "listener") }
        dialer = try Libp2pConnection(
            direction: .outbound(expectedPeer: listenerKey.peerID), identity: Libp2pPrivateKey.generateEd25519(),
            randomBytes: SecureRandom.bytes, yamux: dialerYamux, limits: limits,
            applicationProtocols: applicationProtocols
        ) { _ in IdentifyMessage(agentVersion: "dialer") }
        self.split = split
        toListener = dialer.start().bytes
    }

    /// Whether bytes are waiting to be delivered.
    public var isQuiet: Bool { toDialer.isEmpty && toListener.isEmpty }

    /// Queues what `side` produced for the other side; returns its events.
    @discardableResult
    public mutating func send(_ output: Libp2pConnection.Output, from side: Side) -> [ConnectionEvent] {
        switch side {
        case .dialer: toListener += output.bytes
        case .listener: toDialer += output.bytes
        }
        if output.close { closed.insert(side) }
        return output.events
    }

    /// Delivers what is waiting, both ways once, in pieces; returns the events each side reported.
    public mutating func step() -> (dialer: [ConnectionEvent], listener: [ConnectionEvent]) {
        now += oneWayDelay
        let listenerEvents = deliver(to: .listener)
        return (deliver(to: .dialer), listenerEvents)
    }

    /// Delivers what is waiting for `side` (only that direction); returns its events.
    @discardableResult
    public mutating func deliver(to side: Side) -> [ConnectionEvent] {
        var events: [ConnectionEvent] = []
        switch side {
        case .listener:
            let bytes = toListener
            toListener = []
            for piece in pieces(of: bytes) {
                let output = piece.withUnsafeBytes { listener.receive($0, now: now) }
                events += send(output, from: .listener)
            }
        case .dialer:
            let bytes = toDialer
            toDialer = []
            for piece in pieces(of: bytes) {
                let output = piece.withUnsafeBytes { dialer.receive($0, now: now) }
                events += send(output, from: .dialer)
            }
        }
        return events
    }

    /// Steps until quiet (at most `maxSteps`); returns all events.
    @discardableResult
    public mutating func pump(maxSteps: Int = 1000) -> (dialer: [ConnectionEvent], listener: [ConnectionEvent]) {
        var all: (dialer: [ConnectionEvent], listener: [ConnectionEvent]) = ([], [])
        for _ in 0..<maxSteps where !isQuiet {
            let events = step()
            all.dialer += events.dialer
            all.listener += events.listener
        }
        return all
    }

    /// Runs the upgrade (Noise, Yamux, identify both ways) until quiet.
    public mutating func upgrade() {
        pump()
    }

    /// Opens an application stream from `side` and runs until the peer accepted it; returns (our ID, peer's ID).
    public mutating func openStream(_ proto: String, from side: Side = .dialer) -> (local: UInt32, remote: UInt32)? {
        let opened =
            side == .dialer ? dialer.openStream(proto, now: now) : listener.openStream(proto, now: now)
        guard let (id, output) = opened else { return nil }
        send(output, from: side)
        let events = pump()
        let remoteEvents = side == .dialer ? events.listener : events.dialer
        for case .streamOpened(let remote, proto, true) in remoteEvents { return (id, remote) }
        return nil
    }

    /// Cuts `bytes` as ``split`` says.
    private mutating func pieces(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        guard !bytes.isEmpty else { return [] }
        var result: [ArraySlice<UInt8>] = []
        var start = 0
        while start < bytes.count {
            let size: Int
            switch split {
            case .whole:
                size = bytes.count
            case .pieces(let n):
                size = max(1, n)
            case .random(var generator, let maxPiece):
                size = Int.random(in: 1...max(1, maxPiece), using: &generator)
                split = .random(generator, maxPiece: maxPiece)
            }
            let end = min(bytes.count, start + size)
            result.append(bytes[start..<end])
            start = end
        }
        return result
    }
}

extension [ConnectionEvent] {
    /// The bytes delivered on stream `id`, concatenated.
    public func data(on id: UInt32) -> [UInt8] {
        var out: [UInt8] = []
        for case .streamData(id, let bytes) in self { out += bytes }
        return out
    }
}
