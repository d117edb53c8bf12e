import Crypto
import Glibc
import Identify
import Libp2pCore
import Node
import WaystoneRuntime

/// `libp2pload --self-test`: the client against an in-process libp2p listener (Node's inbound
/// ``Libp2pConnection``) on the same loop. It must count every connection of a good server as identified and held,
/// and count as errors a server with another peer ID, one whose identify carries another key, and one that drops
/// connections while they are held.
enum SelfTest {
    /// A minimal inbound libp2p server on 127.0.0.1.
    final class Server {
        private final class Session {
            let tcp: TCPConnection
            var machine: Libp2pConnection
            init(tcp: TCPConnection, machine: Libp2pConnection) {
                self.tcp = tcp
                self.machine = machine
            }
        }

        let identity = Libp2pPrivateKey.generateEd25519()
        /// The key put into identify answers (the server's own unless a case replaces it).
        var identifyKey: Libp2pPrivateKey
        /// Close each connection this long after it is upgraded (nil: keep it).
        var dropAfterUpgradeNanoseconds: UInt64?
        private(set) var remoteHosts: Set<String> = []
        private var sessions: [ObjectIdentifier: Session] = [:]
        private var listener: TCPListener?
        private let loop: EventLoop

        init(loop: EventLoop) throws {
            self.loop = loop
            identifyKey = identity
            listener = try loop.listenTCP(SocketAddress.parse("127.0.0.1:0"), backlog: 4096) { [unowned self] in
                self.accept($0)
            }
        }

        var address: SocketAddress? { listener?.localAddress }

        private func accept(_ tcp: TCPConnection) {
            remoteHosts.insert(tcp.remoteAddress.host)
            let message = IdentifyMessage(
                protocolVersion: "ipfs/0.1.0", agentVersion: "self-test",
                publicKey: identifyKey.publicKey.protobufBytes, listenAddrs: [], observedAddr: nil,
                protocols: [Libp2pConnection.identifyProtocol], signedPeerRecord: nil)
            guard
                let machine = try? Libp2pConnection(
                    direction: .inbound, identity: identity, randomBytes: SecureRandom.bytes, identify: { _ in message }
                )
            else {
                tcp.close()
                return
            }
            let session = Session(tcp: tcp, machine: machine)
            let key = ObjectIdentifier(tcp)
            sessions[key] = session
            tcp.onRead = { [unowned self, unowned session] _, bytes in
                let output = session.machine.receive(Array(bytes), now: self.loop.nowNanoseconds())
                if !output.bytes.isEmpty { session.tcp.write(output.bytes) }
                if output.close { session.tcp.closeAfterFlush() }
                if let delay = self.dropAfterUpgradeNanoseconds,
                    output.events.contains(where: { if case .upgraded = $0 { true } else { false } })
                {
                    self.loop.schedule(afterNanoseconds: delay) { [weak session] in session?.tcp.close() }
                }
            }
            tcp.onClose = { [weak self] _, _ in self?.sessions[key] = nil }
        }

        func close() {
            listener?.close()
            listener = nil
            for session in sessions.values { session.tcp.close() }
        }
    }

    struct Case {
        let name: String
        let connections: Int
        let hold: Double
        let setUp: (Server, inout LoadPlan) -> Void
        let check: (LoadResult, Server) -> [String]
    }

    static func run() -> Bool {
        let n = 40
        let sources = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
        let cases: [Case] = [
            Case(name: "good server", connections: n, hold: 0.2, setUp: { _, _ in }) { result, server in
                var problems: [String] = []
                if result.identified != n || result.errors != 0 || result.held != n {
                    problems.append("expected \(n) identified and held, 0 errors")
                }
                if server.remoteHosts != Set(sources) { problems.append("sources seen: \(server.remoteHosts)") }
                if result.serverRSSBeforeKiB == nil || result.serverRSSHeldKiB == nil {
                    problems.append("no RSS read")
                }
                if let before = result.serverCPUBefore, let after = result.serverCPUAfterConnect {
                    if after < before { problems.append("CPU time went down") }
                } else {
                    problems.append("no CPU time read")
                }
                return problems
            },
            Case(
                name: "other peer ID", connections: n, hold: 0.05,
                setUp: { _, plan in
                    plan.serverPeer = Libp2pPrivateKey.generateEd25519().peerID
                }
            ) { result, _ in
                result.identified == 0 && result.failed == n ? [] : ["expected \(n) failed, 0 identified"]
            },
            Case(
                name: "identify with another key", connections: n, hold: 0.05,
                setUp: { server, _ in
                    server.identifyKey = Libp2pPrivateKey.generateEd25519()
                }
            ) { result, _ in
                result.badIdentify == n ? [] : ["expected \(n) bad identify answers"]
            },
            Case(
                name: "server drops held connections", connections: n, hold: 0.5,
                setUp: { server, _ in
                    server.dropAfterUpgradeNanoseconds = 100_000_000
                }
            ) { result, _ in
                result.identified == n && result.dropped == n && result.held == 0
                    ? [] : ["expected \(n) identified, then \(n) dropped"]
            },
        ]
        var ok = true
        for testCase in cases {
            do {
                let problems = try runCase(testCase, sources: sources)
                print(
                    "libp2pload self-test \(testCase.name): \(problems.isEmpty ? "ok" : problems.joined(separator: "; "))"
                )
                ok = ok && problems.isEmpty
            } catch {
                print("libp2pload self-test \(testCase.name): \(error)")
                ok = false
            }
        }
        return ok
    }

    private static func runCase(_ testCase: Case, sources: [String]) throws -> [String] {
        let loop = try EventLoop()
        defer { loop.close() }
        let server = try Server(loop: loop)
        guard let address = server.address else { return ["no listener"] }
        var plan = LoadPlan(server: address, serverPeer: server.identity.peerID, connections: testCase.connections)
        plan.concurrency = 16
        plan.sources = try sources.map { try SocketAddress.parse("\($0):0") }
        plan.holdSeconds = testCase.hold
        plan.timeoutSeconds = 20
        plan.serverPID = getpid()
        testCase.setUp(server, &plan)
        var outcome: LoadResult?
        let client = LoadClient(loop: loop, plan: plan) { result in
            outcome = result
            loop.stop()
        }
        client.start()
        try loop.run()
        client.closeAll()
        server.close()
        guard let result = outcome else { return ["no result"] }
        var problems = testCase.check(result, server)
        if result.timedOut { problems.append("timed out") }
        if !problems.isEmpty { problems.append(Report.line(result, plan: plan)) }
        return problems
    }
}
