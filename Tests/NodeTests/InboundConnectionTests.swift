import Crypto
import Identify
import Libp2pCore
import Multistream
import Node
import Noise
import Testing
import Wire
import Yamux

/// Our own dialer side, built from the same pure machines, driving an ``Libp2pConnection`` in memory.
struct TestDialer {
    var security = MultistreamDialer(proposals: ["/noise"])
    var noise: NoiseMachine
    var muxer = MultistreamDialer(proposals: ["/yamux/1.0.0"])
    var yamux = YamuxSession(role: .client)
    var muxed = false
    var streamDialers: [UInt32: MultistreamDialer] = [:]
    var streamProtocols: [UInt32: String] = [:]
    var streamData: [UInt32: [UInt8]] = [:]
    var closed: Set<UInt32> = []
    var securityDone = false

    init(identity: Libp2pPrivateKey, server: PeerID?) throws {
        noise = try NoiseMachine(
            role: .initiator, identity: identity, expectedRemotePeer: server, randomBytes: SecureRandom.bytes)
    }

    mutating func start() throws -> [UInt8] {
        var out = security.start().toSend
        out += noise.start().bytesToSend  // pipelined behind the proposal
        return out
    }

    /// Bytes from the server; returns bytes to send back.
    mutating func receive(_ bytes: [UInt8]) throws -> [UInt8] {
        var input = bytes
        var out: [UInt8] = []
        if !securityDone {
            let result = security.receive(input)
            input = []
            guard case .negotiated(_, let remaining)? = result.result else { return out }
            securityDone = true
            input = remaining
        }
        let result = noise.receive(input)
        out += result.bytesToSend
        var plaintext = result.decryptedPlaintext
        if noise.isEstablished && !muxed {
            if !triedMuxer {
                triedMuxer = true
                out += try noise.seal(muxer.start().toSend)
            }
            if !plaintext.isEmpty {
                let negotiation = muxer.receive(plaintext)
                plaintext = []
                if case .negotiated(_, let remaining)? = negotiation.result {
                    muxed = true
                    plaintext = remaining
                }
            }
        }
        if muxed && !plaintext.isEmpty {
            for event in yamux.receive(plaintext, now: 0) {
                switch event {
                case .data(let id, let data):
                    yamux.consumed(id, count: data.count, now: 0)
                    if var dialer = streamDialers[id] {
                        let negotiation = dialer.receive(data)
                        streamDialers[id] = dialer
                        if case .negotiated(let name, let remaining)? = negotiation.result {
                            streamDialers[id] = nil
                            streamProtocols[id] = name
                            streamData[id, default: []] += remaining
                        }
                    } else {
                        streamData[id, default: []] += data
                    }
                case .streamClosedByPeer(let id):
                    closed.insert(id)
                default:
                    break
                }
            }
        }
        let pending = yamux.pendingOutput()
        if !pending.isEmpty { out += try noise.seal(pending) }
        return out
    }

    var triedMuxer = false

    /// Opens a stream proposing `name`, with `data` pipelined behind the proposal.
    mutating func open(_ name: String, data: [UInt8] = []) throws -> [UInt8] {
        let id = try yamux.openStream()
        var dialer = MultistreamDialer(proposals: [name])
        _ = try yamux.write(id, dialer.start().toSend + data)
        streamDialers[id] = dialer
        return try noise.seal(yamux.pendingOutput())
    }
}

/// Runs both sides until neither has anything to send (bounded).
func exchange(_ server: inout Libp2pConnection, _ client: inout TestDialer, first: [UInt8], split: Int = .max) throws
    -> [ConnectionEvent]
{
    var events: [ConnectionEvent] = []
    var toServer = first
    for _ in 0..<50 where !toServer.isEmpty {
        var toClient: [UInt8] = []
        var index = 0
        while index < toServer.count {
            let end = min(toServer.count, index + split)
            let output = server.receive(Array(toServer[index..<end]), now: 0)
            toClient += output.bytes
            events += output.events
            index = end
        }
        toServer = try client.receive(toClient)
    }
    return events
}

@Suite struct Libp2pConnectionTests {
    let serverKey = Libp2pPrivateKey.generateEd25519()
    let clientKey = Libp2pPrivateKey.generateEd25519()

    func makeServer() throws -> Libp2pConnection {
        try Libp2pConnection(identity: serverKey, randomBytes: SecureRandom.bytes) { _ in
            IdentifyMessage(
                protocolVersion: "ipfs/0.1.0", agentVersion: "waystone/test",
                publicKey: self.serverKey.publicKey.protobufBytes, observedAddr: [4, 127, 0, 0, 1, 6, 0x10, 0x00],
                protocols: ["/ipfs/id/1.0.0", "/ipfs/ping/1.0.0"])
        }
    }

    /// The full upgrade, then identify and ping streams, whole and one byte at a time.
    @Test(arguments: [Int.max, 1, 7])
    func upgradeIdentifyAndPing(split: Int) throws {
        var server = try makeServer()
        var client = try TestDialer(identity: clientKey, server: serverKey.peerID)
        var events = try exchange(&server, &client, first: try client.start(), split: split)
        #expect(events.contains(.secured(clientKey.peerID)))
        #expect(events.contains(.upgraded(clientKey.peerID)))
        #expect(client.muxed)

        let ping = [UInt8](repeating: 0x5a, count: 32)
        let opened = try client.open("/ipfs/id/1.0.0") + client.open("/ipfs/ping/1.0.0", data: ping)
        events = try exchange(&server, &client, first: opened, split: split)
        #expect(events.contains(.streamProtocol("/ipfs/id/1.0.0")))
        #expect(events.contains(.streamProtocol("/ipfs/ping/1.0.0")))

        let identifyStream = try #require(client.streamProtocols.first { $0.value == "/ipfs/id/1.0.0" }?.key)
        let framed = client.streamData[identifyStream] ?? []
        let (length, used) = try UVarint.decode(prefixOf: framed)
        let message = try IdentifyMessage(bytes: Array(framed[used...]))
        #expect(Int(length) == framed.count - used)
        #expect(message.agentVersion == "waystone/test")
        #expect(client.closed.contains(identifyStream))

        let pingStream = try #require(client.streamProtocols.first { $0.value == "/ipfs/ping/1.0.0" }?.key)
        #expect(client.streamData[pingStream] == ping)
    }

    @Test func unknownStreamProtocolIsRefusedAndTheConnectionLives() throws {
        var server = try makeServer()
        var client = try TestDialer(identity: clientKey, server: serverKey.peerID)
        _ = try exchange(&server, &client, first: try client.start())
        let events = try exchange(&server, &client, first: try client.open("/not/a/protocol"))
        #expect(!events.contains { if case .failed = $0 { true } else { false } })
        #expect(!server.isClosed)
    }

    /// Over `maxInboundStreamsPerProtocol` a negotiated stream is reset and reported; other protocols and, once one
    /// ends, the same protocol are accepted again; `openInboundStreams` counts what is open.
    @Test func inboundStreamsPerProtocolAreLimited() throws {
        var limits = ConnectionLimits()
        limits.maxInboundStreamsPerProtocol = 2
        limits.asksIdentify = false
        var server = try Libp2pConnection(identity: serverKey, randomBytes: SecureRandom.bytes, limits: limits) { _ in
            IdentifyMessage(agentVersion: "waystone/test")
        }
        var client = try TestDialer(identity: clientKey, server: serverKey.peerID)
        _ = try exchange(&server, &client, first: try client.start())
        let ping = "/ipfs/ping/1.0.0"
        var events = try exchange(
            &server, &client, first: try client.open(ping) + client.open(ping) + client.open(ping))
        #expect(events.filter { $0 == .streamProtocol(ping) }.count == 2)
        #expect(events.contains(.streamRefused(protocol: ping)))
        #expect(server.openInboundStreams == [ping: 2])
        events = try exchange(&server, &client, first: try client.open("/ipfs/id/1.0.0"))
        #expect(events.contains(.streamProtocol("/ipfs/id/1.0.0")))
        #expect(!events.contains { if case .streamRefused = $0 { true } else { false } })

        // (The refused stream saw its confirmation before the RST: pick one that is still open.)
        let open = client.yamux.streamIDs
        let first = try #require(client.streamProtocols.first { $0.value == ping && open.contains($0.key) }?.key)
        try client.yamux.reset(first)
        events = try exchange(&server, &client, first: try client.noise.seal(client.yamux.pendingOutput()))
        #expect(events.contains(.streamEnded(ping)))
        #expect(server.openInboundStreams[ping] == 1)
        events = try exchange(&server, &client, first: try client.open(ping))
        #expect(events.contains(.streamProtocol(ping)))
        #expect(server.openInboundStreams[ping] == 2)
    }

    /// A SYN over the Yamux stream limit is refused and reported without a protocol.
    @Test func streamsOverTheConnectionLimitAreReported() throws {
        var yamux = YamuxConfig()
        yamux.maxStreams = 1
        var limits = ConnectionLimits()
        limits.asksIdentify = false
        var server = try Libp2pConnection(
            identity: serverKey, randomBytes: SecureRandom.bytes, yamux: yamux, limits: limits
        ) { _ in IdentifyMessage() }
        var client = try TestDialer(identity: clientKey, server: serverKey.peerID)
        _ = try exchange(&server, &client, first: try client.start())
        let events = try exchange(
            &server, &client, first: try client.open("/ipfs/ping/1.0.0") + client.open("/ipfs/ping/1.0.0"))
        #expect(events.contains(.streamRefused(protocol: nil)))
        #expect(server.streamCount == 1)
    }

    @Test func garbageFailsAndClosesWithoutTrapping() throws {
        for garbage in [
            [UInt8](repeating: 0xff, count: 40), Array("GET / HTTP/1.1\r\n\r\n".utf8),
            [0x13] + Array("/multistream/1.0.0\n".utf8) + [0x07, 1, 2, 3],
        ] {
            var server = try makeServer()
            var output = server.receive(garbage, now: 0)
            output = server.receive(garbage, now: 0)
            #expect(server.isClosed || output.bytes.count < 200)
        }
    }

    @Test func wrongNoiseCounterpartFailsTheHandshake() throws {
        var server = try makeServer()
        // A dialer expecting a different server peer ID aborts; the server sees no upgrade.
        var client = try TestDialer(identity: clientKey, server: Libp2pPrivateKey.generateEd25519().peerID)
        let events = try exchange(&server, &client, first: try client.start())
        #expect(!events.contains(.upgraded(clientKey.peerID)))
    }
}

/// Our outbound connection against our inbound one, in memory: both upgrade, the dialer learns the listener's
/// identify, and a wrong expected peer fails the dialer's handshake.
@Suite struct OutboundConnectionTests {
    let serverKey = Libp2pPrivateKey.generateEd25519()
    let clientKey = Libp2pPrivateKey.generateEd25519()

    func pair(expected: PeerID) throws -> (Libp2pConnection, Libp2pConnection) {
        let server = try Libp2pConnection(identity: serverKey, randomBytes: SecureRandom.bytes) { _ in
            IdentifyMessage(
                agentVersion: "server/1", publicKey: self.serverKey.publicKey.protobufBytes, protocols: ["/x"])
        }
        let client = try Libp2pConnection(
            direction: .outbound(expectedPeer: expected), identity: clientKey, randomBytes: SecureRandom.bytes
        ) { _ in IdentifyMessage(agentVersion: "client/1") }
        return (server, client)
    }

    /// Runs both until quiet; returns (server events, client events).
    func run(_ server: inout Libp2pConnection, _ client: inout Libp2pConnection, split: Int) -> (
        [ConnectionEvent], [ConnectionEvent]
    ) {
        var serverEvents: [ConnectionEvent] = []
        var clientEvents: [ConnectionEvent] = []
        var toServer = client.start().bytes
        for _ in 0..<60 where !toServer.isEmpty {
            var toClient: [UInt8] = []
            for chunk in stride(from: 0, to: toServer.count, by: split) {
                let output = server.receive(Array(toServer[chunk..<min(toServer.count, chunk + split)]), now: 0)
                toClient += output.bytes
                serverEvents += output.events
            }
            toServer = []
            for chunk in stride(from: 0, to: toClient.count, by: split) {
                let output = client.receive(Array(toClient[chunk..<min(toClient.count, chunk + split)]), now: 0)
                toServer += output.bytes
                clientEvents += output.events
            }
        }
        return (serverEvents, clientEvents)
    }

    @Test(arguments: [Int.max, 1, 13])
    func dialerUpgradesAndIdentifiesTheListener(split: Int) throws {
        var (server, client) = try pair(expected: serverKey.peerID)
        let (serverEvents, clientEvents) = run(&server, &client, split: split)
        #expect(serverEvents.contains(.upgraded(clientKey.peerID)))
        #expect(clientEvents.contains(.upgraded(serverKey.peerID)))
        #expect(serverEvents.contains(.streamProtocol("/ipfs/id/1.0.0")))
        let identified = clientEvents.compactMap { event -> IdentifyMessage? in
            if case .identified(let peer, let message) = event, peer == serverKey.peerID { return message }
            return nil
        }
        #expect(identified.first?.agentVersion == "server/1")
        #expect(identified.first?.protocols == ["/x"])
    }

    /// The listener asks the dialer's identify too (go-libp2p identifies both ways).
    @Test func listenerIdentifiesTheDialer() throws {
        var (server, client) = try pair(expected: serverKey.peerID)
        let (serverEvents, _) = run(&server, &client, split: .max)
        let identified = serverEvents.compactMap { event -> IdentifyMessage? in
            if case .identified(let peer, let message) = event, peer == clientKey.peerID { return message }
            return nil
        }
        #expect(identified.map(\.agentVersion) == ["client/1"])
    }

    /// `pushIdentify` sends the current message on `/ipfs/id/push/1.0.0`; the peer reports it; nothing is sent
    /// before the connection is upgraded.
    @Test(arguments: [Int.max, 1])
    func identifyPushReachesThePeer(split: Int) throws {
        var agent = "client/1"
        var server = try Libp2pConnection(identity: serverKey, randomBytes: SecureRandom.bytes) { _ in
            IdentifyMessage(agentVersion: "server/1")
        }
        var client = try Libp2pConnection(
            direction: .outbound(expectedPeer: serverKey.peerID), identity: clientKey, randomBytes: SecureRandom.bytes
        ) { _ in IdentifyMessage(agentVersion: agent, listenAddrs: [[4, 1, 2, 3, 4, 6, 0, 1]]) }
        #expect(client.pushIdentify(now: 0).bytes.isEmpty)
        _ = run(&server, &client, split: split)
        agent = "client/2"
        var toServer = client.pushIdentify(now: 0).bytes
        var serverEvents: [ConnectionEvent] = []
        var clientEvents: [ConnectionEvent] = []
        for _ in 0..<20 where !toServer.isEmpty {
            var toClient: [UInt8] = []
            for chunk in stride(from: 0, to: toServer.count, by: split == .max ? toServer.count : split) {
                let output = server.receive(Array(toServer[chunk..<min(toServer.count, chunk + split)]), now: 0)
                toClient += output.bytes
                serverEvents += output.events
            }
            let output = client.receive(toClient, now: 0)
            toServer = output.bytes
            clientEvents += output.events
        }
        #expect(clientEvents.contains(.identifyPushSent(serverKey.peerID)))
        #expect(
            serverEvents.contains(
                .identifyPushed(
                    clientKey.peerID,
                    IdentifyMessage(agentVersion: "client/2", listenAddrs: [[4, 1, 2, 3, 4, 6, 0, 1]]))))
    }

    /// Application streams both ways: the dialer opens, writes before acceptance and half-closes; the listener
    /// answers and closes; both see open, data and close, and forget the stream. An unknown protocol is refused.
    @Test(arguments: [Int.max, 1])
    func applicationStreams(split: Int) throws {
        var server = try Libp2pConnection(
            identity: serverKey, randomBytes: SecureRandom.bytes, applicationProtocols: ["/echo/1"]
        ) { _ in IdentifyMessage(agentVersion: "server/1") }
        var client = try Libp2pConnection(
            direction: .outbound(expectedPeer: serverKey.peerID), identity: clientKey, randomBytes: SecureRandom.bytes
        ) { _ in IdentifyMessage(agentVersion: "client/1") }
        _ = run(&server, &client, split: split)
        let baseline = (server.streamCount, client.streamCount)

        let opened = client.openStream("/echo/1", now: 0)
        var (id, output) = try #require(opened)
        #expect(client.write(id, Array("hello".utf8), output: &output) == 5)
        client.closeWrite(id, output: &output)
        #expect(client.write(9999, [1], output: &output) == nil)
        #expect(client.write(id, [1], output: &output) == nil)
        var serverEvents: [ConnectionEvent] = []
        var clientEvents: [ConnectionEvent] = []
        var toServer = output.bytes
        for _ in 0..<20 where !toServer.isEmpty {
            var toClient: [UInt8] = []
            for chunk in stride(from: 0, to: toServer.count, by: split == .max ? toServer.count : split) {
                var out = server.receive(Array(toServer[chunk..<min(toServer.count, chunk + split)]), now: 0)
                for event in out.events {
                    if case .streamFinished(let inbound) = event {
                        #expect(server.write(inbound, Array("world".utf8), output: &out) == 5)
                        server.closeWrite(inbound, output: &out)
                    }
                }
                toClient += out.bytes
                serverEvents += out.events
            }
            let out = client.receive(toClient, now: 0)
            toServer = out.bytes
            clientEvents += out.events
        }
        let inbound = try #require(
            serverEvents.compactMap { event -> UInt32? in
                if case .streamOpened(let sid, "/echo/1", true) = event { return sid }
                return nil
            }.first)
        let received = serverEvents.reduce(into: [UInt8]()) {
            if case .streamData(inbound, let bytes) = $1 { $0 += bytes }
        }
        #expect(received == Array("hello".utf8))
        #expect(serverEvents.contains(.streamEnded("/echo/1")))
        #expect(clientEvents.contains(.streamOpened(id, protocol: "/echo/1", inbound: false)))
        let answer = clientEvents.reduce(into: [UInt8]()) { if case .streamData(id, let bytes) = $1 { $0 += bytes } }
        #expect(answer == Array("world".utf8))
        #expect(clientEvents.contains(.streamFinished(id)))
        #expect(!clientEvents.contains { if case .streamReset = $0 { true } else { false } })
        #expect(server.streamCount == baseline.0 && client.streamCount == baseline.1)
        #expect(server.openInboundStreams["/echo/1"] == nil)

        // A protocol the listener does not speak: the dialer learns it as a failed open, nothing is left open.
        let refused = client.openStream("/nope/1", now: 0)
        (id, output) = try #require(refused)
        let reply = server.receive(output.bytes, now: 0)
        let events = client.receive(reply.bytes, now: 0).events
        #expect(events.contains(.streamOpenFailed(id)))
        #expect(!events.contains(.streamFinished(id)))
        #expect(client.streamCount == baseline.1)
    }

    /// With `defersSealing`, stream calls leave their frames in Yamux and `flush` seals them as one Noise frame, which
    /// the peer reads in full.
    @Test func deferredSealingBatchesFrames() throws {
        var server = try Libp2pConnection(
            identity: serverKey, randomBytes: SecureRandom.bytes, applicationProtocols: ["/echo/1"]
        ) { _ in IdentifyMessage() }
        var client = try Libp2pConnection(
            direction: .outbound(expectedPeer: serverKey.peerID), identity: clientKey, randomBytes: SecureRandom.bytes
        ) { _ in IdentifyMessage() }
        _ = run(&server, &client, split: .max)
        var ids: [UInt32] = []
        var toServer: [UInt8] = []
        for _ in 0..<3 {
            let attempt = client.openStream("/echo/1", now: 0)
            let opened = try #require(attempt)
            ids.append(opened.id)
            toServer += opened.output.bytes
        }
        let accepted = server.receive(toServer, now: 0)
        _ = client.receive(accepted.bytes, now: 0)
        client.defersSealing = true
        var out = Libp2pConnection.Output()
        for id in ids { #expect(client.write(id, Array("data-\(id)".utf8), output: &out) == "data-\(id)".utf8.count) }
        client.closeWrite(ids[0], output: &out)
        #expect(out.bytes.isEmpty)
        client.flush(output: &out)
        let frameLength = Int(out.bytes[0]) << 8 | Int(out.bytes[1])
        #expect(frameLength + 2 == out.bytes.count)  // one Noise frame
        let events = server.receive(out.bytes, now: 0).events
        for id in ids { #expect(events.contains(.streamData(id, ArraySlice("data-\(id)".utf8)))) }
        #expect(events.contains(.streamFinished(ids[0])))
    }

    @Test func dialerRefusesAnUnexpectedPeer() throws {
        var (server, client) = try pair(expected: Libp2pPrivateKey.generateEd25519().peerID)
        let (_, clientEvents) = run(&server, &client, split: .max)
        #expect(clientEvents.contains { if case .failed = $0 { true } else { false } })
        #expect(!clientEvents.contains { if case .upgraded = $0 { true } else { false } })
        #expect(client.isClosed)
    }
}
