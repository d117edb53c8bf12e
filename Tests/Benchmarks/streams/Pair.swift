import Crypto
import Identify
import Libp2pCore
import Node
import Yamux

enum Bench {
    static let proto = "/bench/1.0.0"
    /// Both sides' Yamux settings (defaults: 256 KiB initial windows, 1 MiB send queue per stream).
    static let yamux = YamuxConfig()
}

typealias Output = Libp2pConnection.Output

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Two connection machines back to back, no sockets: the dialer's output bytes are the listener's input and the
/// other way round; `toListener` and `toDialer` are the bytes in flight.
struct Pair {
    var dialer: Libp2pConnection
    var listener: Libp2pConnection
    var toListener: [UInt8] = []
    var toDialer: [UInt8] = []

    init() throws {
        let listenerKey = Libp2pPrivateKey.generateEd25519()
        let dialerKey = Libp2pPrivateKey.generateEd25519()
        listener = try Libp2pConnection(
            identity: listenerKey, randomBytes: SecureRandom.bytes, yamux: Bench.yamux,
            applicationProtocols: [Bench.proto]
        ) { _ in IdentifyMessage(agentVersion: "streamsbench/listener") }
        dialer = try Libp2pConnection(
            direction: .outbound(expectedPeer: listenerKey.peerID), identity: dialerKey,
            randomBytes: SecureRandom.bytes, yamux: Bench.yamux
        ) { _ in IdentifyMessage(agentVersion: "streamsbench/dialer") }
    }

    /// multistream-select, Noise, Yamux and both identify exchanges, until nothing is in flight.
    mutating func upgrade() throws {
        toListener = dialer.start().bytes
        var upgraded = 0
        for _ in 0..<100 where !toListener.isEmpty || !toDialer.isEmpty {
            let fromListener = Compat.receive(&listener, take(&toListener))
            let fromDialer = Compat.receive(&dialer, fromListener.bytes)
            toListener = fromDialer.bytes
            for event in fromListener.events + fromDialer.events {
                if case .upgraded = event { upgraded += 1 }
                if case .failed(let reason) = event { throw BenchError("upgrade failed: \(reason)") }
            }
        }
        guard upgraded == 2, toListener.isEmpty else { throw BenchError("upgrade did not finish") }
    }
}

/// Appends without a copy when `buffer` is empty.
func append(_ buffer: inout [UInt8], _ bytes: [UInt8]) {
    if buffer.isEmpty { buffer = bytes } else if !bytes.isEmpty { buffer += bytes }
}

func take(_ buffer: inout [UInt8]) -> [UInt8] {
    defer { buffer = [] }
    return buffer
}
