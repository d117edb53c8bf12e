import Crypto
import Glibc
import Identify
import Kademlia
import Libp2pCore
import Node
import WaystoneRuntime
import Wire

/// `kadload --self-test`: the client against an in-process DHT server on the same loop (Node's inbound
/// ``Libp2pConnection`` and Kademlia's ``KadServer``; it checks each peer whose identify lists the DHT protocol with
/// a FIND_NODE, as Waystone and go do, and adds it when the answer lists a peer). With a good server every answer
/// must count, the table seen must be the server's table, and the stream counts must match the modes; a server
/// answering garbage, resetting streams or never adding peers (empty answers) must give only errors.
enum SelfTest {
    enum Behaviour: String {
        case good
        case malformed = "malformed answers"
        case reset = "reset streams"
        case emptyTable = "never adds peers"
    }

    final class Server {
        private final class Session {
            let tcp: TCPConnection
            var machine: Libp2pConnection
            var peer: PeerID?
            var inbound: [UInt32: LengthPrefixedFramer] = [:]
            var checks: [UInt32: (peer: PeerID, addresses: [Multiaddr], framer: LengthPrefixedFramer)] = [:]
            init(tcp: TCPConnection, machine: Libp2pConnection) {
                self.tcp = tcp
                self.machine = machine
            }
        }

        static let proto = "/ipfs/kad/1.0.0"
        let identity = Libp2pPrivateKey.generateEd25519()
        let behaviour: Behaviour
        var kad: KadServer
        /// FIND_NODE requests received, and the checks this server sent.
        private(set) var requests = 0
        private(set) var checksSent = 0
        private var sessions: [ObjectIdentifier: Session] = [:]
        private var listener: TCPListener?
        private let loop: EventLoop

        init(loop: EventLoop, behaviour: Behaviour) throws {
            self.loop = loop
            self.behaviour = behaviour
            var config = RoutingTableConfig(bucketSize: 20, addressFilter: { _ in true })
            config.diversity = IPDiversityLimits(isEnabled: false)
            kad = KadServer(
                table: RoutingTable(localPeer: identity.peerID, config: config),
                config: KadServerConfig(k: 20, addressFilter: { _ in true }))
            listener = try loop.listenTCP(SocketAddress.parse("127.0.0.1:0"), backlog: 4096) { [unowned self] in
                self.accept($0)
            }
        }

        var address: SocketAddress? { listener?.localAddress }

        private func accept(_ tcp: TCPConnection) {
            let message = IdentifyMessage(
                protocolVersion: "ipfs/0.1.0", agentVersion: "self-test", publicKey: identity.publicKey.protobufBytes,
                listenAddrs: [], observedAddr: nil, protocols: [Libp2pConnection.identifyProtocol, Self.proto],
                signedPeerRecord: nil)
            guard
                let machine = try? Libp2pConnection(
                    direction: .inbound, identity: identity, randomBytes: SecureRandom.bytes,
                    applicationProtocols: [Self.proto], identify: { _ in message })
            else {
                tcp.close()
                return
            }
            let session = Session(tcp: tcp, machine: machine)
            let key = ObjectIdentifier(tcp)
            sessions[key] = session
            tcp.onRead = { [unowned self, unowned session] _, bytes in
                var out = session.machine.receive(Array(bytes), now: self.loop.nowNanoseconds())
                self.handle(session, &out)
            }
            tcp.onClose = { [weak self] _, _ in self?.sessions[key] = nil }
        }

        private func handle(_ session: Session, _ out: inout Libp2pConnection.Output) {
            let events = out.events
            out.events = []
            for event in events {
                switch event {
                case .identified(let peer, let message):
                    session.peer = peer
                    let addresses = message.listenAddrs.compactMap { try? Multiaddr(bytes: $0) }
                    guard message.protocols.contains(Self.proto), !addresses.isEmpty, behaviour != .emptyTable,
                        let (id, opened) = session.machine.openStream(Self.proto, now: loop.nowNanoseconds())
                    else { break }
                    out.bytes += opened.bytes
                    let check = KadMessage(type: .findNode, key: identity.peerID.bytes).framedBytes
                    _ = session.machine.write(id, check, output: &out)
                    session.checks[id] = (peer, addresses, LengthPrefixedFramer(maxFrameSize: 64 * 1024))
                    checksSent += 1
                case .streamOpened(let id, _, true):
                    session.inbound[id] = LengthPrefixedFramer(maxFrameSize: 64 * 1024)
                case .streamData(let id, let bytes):
                    if var check = session.checks[id] {
                        check.framer.append(bytes)
                        session.checks[id] = check
                        guard let frame = try? check.framer.nextFrame() else { break }
                        session.checks[id] = nil
                        session.machine.closeWrite(id, output: &out)
                        if let answer = try? KadMessage(bytes: frame), !answer.closerPeers.isEmpty {
                            _ = kad.table.observe(check.peer, addresses: check.addresses, now: loop.nowNanoseconds())
                        }
                    } else if var framer = session.inbound[id], let peer = session.peer {
                        framer.append(bytes)
                        session.inbound[id] = framer
                        while let frame = try? session.inbound[id]?.nextFrame() {
                            answer(session, id, frame, from: peer, &out)
                        }
                    }
                case .streamFinished(let id), .streamReset(let id, _), .streamOpenFailed(let id):
                    session.checks[id] = nil
                    if session.inbound.removeValue(forKey: id) != nil { session.machine.closeWrite(id, output: &out) }
                default:
                    break
                }
            }
            if !out.bytes.isEmpty { session.tcp.write(out.bytes) }
            if out.close { session.tcp.closeAfterFlush() }
        }

        private func answer(
            _ session: Session, _ id: UInt32, _ frame: [UInt8], from peer: PeerID,
            _ out: inout Libp2pConnection.Output
        ) {
            guard let request = try? KadMessage(bytes: frame) else { return }
            if request.type == .findNode { requests += 1 }
            switch behaviour {
            case .reset:
                session.inbound[id] = nil
                session.machine.resetStream(id, output: &out)
            case .malformed:
                // Field 1 with wire type 7: not protobuf.
                _ = session.machine.write(id, LengthPrefixedFramer.frame([0x0f, 0x01]), output: &out)
            case .good, .emptyTable:
                let outcome = kad.handle(request, from: peer, now: loop.nowNanoseconds()) { _ in nil }
                if case .respond(let response) = outcome {
                    _ = session.machine.write(id, response.framedBytes, output: &out)
                }
            }
        }

        func close() {
            listener?.close()
            listener = nil
            for session in sessions.values { session.tcp.close() }
        }
    }

    static func run() -> Bool {
        var ok = true
        for behaviour in [Behaviour.good, .malformed, .reset, .emptyTable] {
            do {
                let problems = try runCase(behaviour)
                print(
                    "kadload self-test \(behaviour.rawValue): \(problems.isEmpty ? "ok" : problems.joined(separator: "; "))"
                )
                ok = ok && problems.isEmpty
            } catch {
                print("kadload self-test \(behaviour.rawValue): \(error)")
                ok = false
            }
        }
        return ok
    }

    private static func runCase(_ behaviour: Behaviour) throws -> [String] {
        let loop = try EventLoop()
        defer { loop.close() }
        let server = try Server(loop: loop, behaviour: behaviour)
        guard let address = server.address else { return ["no listener"] }
        var plan = KadPlan(server: address, serverPeer: server.identity.peerID)
        plan.dhtPeers = 30
        plan.clients = 2
        plan.streams = 8
        plan.seconds = 0.3
        plan.warmupSeconds = 0.1
        plan.windowSeconds = 0.2
        plan.stableWindows = 3
        plan.settleTimeoutSeconds = 10
        plan.requestTimeoutSeconds = 2
        plan.sources = try ["127.0.0.2", "127.0.0.3"].map { try SocketAddress.parse("\($0):0") }
        plan.serverPID = getpid()
        var outcome: (PopulateResult, [ModeResult])?
        let client = KadLoadClient(loop: loop, plan: plan) { populate, results in
            outcome = (populate, results)
            loop.stop()
        }
        client.start()
        try loop.run()
        server.close()
        guard let (populate, results) = outcome else { return ["no result"] }
        var problems: [String] = []
        if populate.identified != plan.dhtPeers || populate.failed != 0 || populate.badIdentify != 0 {
            problems.append("expected \(plan.dhtPeers) DHT peers identified")
        }
        if results.map(\.mode) != plan.modes { problems.append("modes run: \(results.map(\.mode))") }
        let table = server.kad.table.count
        switch behaviour {
        case .good:
            if table == 0 || populate.tableSeen != table || !populate.settled {
                problems.append("table seen \(populate.tableSeen) settled \(populate.settled), server table \(table)")
            }
            if populate.serverQueries != server.checksSent || populate.peersQueried != plan.dhtPeers {
                problems.append("server checks \(server.checksSent), answered \(populate.serverQueries)")
            }
            for result in results {
                let perAnswer = result.requests > 0 ? result.closerPeers / result.requests : 0
                if result.requests == 0 || result.errors != 0 || result.tableSeen != table
                    || perAnswer != min(20, table) || result.closerPeers % result.requests != 0
                    || result.foreignPeers != 0
                {
                    problems.append("\(result.mode.rawValue): expected answers only, \(min(20, table)) peers each")
                }
                if result.serverCPUSeconds == nil || result.serverRSSKiB == nil { problems.append("no CPU/RSS read") }
                if result.latenciesMicroseconds.count != result.requests { problems.append("latency samples") }
                switch result.mode {
                case .reused where result.streamsOpened != 0:
                    problems.append("reused mode opened \(result.streamsOpened) streams")
                case .perRequest where abs(result.streamsOpened - result.requests) > plan.streams:
                    problems.append("per-request: \(result.streamsOpened) streams for \(result.requests) answers")
                default: break
                }
            }
            let answered = results.reduce(0) { $0 + $1.requests }
            if server.requests < answered { problems.append("server saw \(server.requests) < \(answered) answered") }
        case .malformed, .reset, .emptyTable:
            if behaviour == .emptyTable && (table != 0 || populate.serverQueries != 0) {
                problems.append("the server was not to check or add peers")
            }
            let expected = [
                Behaviour.malformed: "malformed answer", .reset: "stream closed before the answer",
                .emptyTable: "no closer peers",
            ][behaviour]!
            for result in results
            where result.requests != 0 || result.errors == 0
                || result.failureReasons[expected, default: 0] != result.errors
            {
                problems.append("\(result.mode.rawValue): expected only '\(expected)' errors")
            }
        }
        if !problems.isEmpty {
            problems.append(Report.populateLine(populate, plan: plan))
            problems += results.map { Report.modeLine($0, plan: plan) }
        }
        return problems
    }
}
