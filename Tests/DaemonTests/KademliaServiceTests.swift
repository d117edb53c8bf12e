import Foundation
import Kademlia
import Libp2pCore
import Metrics
import Testing
import WaystoneRuntime

@testable import Daemon

/// Libp2p roles with the Kademlia service on one loop, over real loopback sockets.
final class KadLab {
    final class Node: @unchecked Sendable {
        let key: Libp2pPrivateKey
        let registry = MetricsRegistry()
        let role: Libp2pRole
        let service: KademliaService?
        let address: Multiaddr
        let dataDir: String
        var dialable: String { "\(address)/p2p/\(key.peerID)" }

        init(
            loop: EventLoop, dataDir: String, key: Libp2pPrivateKey, bootstrap: [String], kademlia: Bool,
            peers: [String] = [], mode: KadMode = .bootstrap,
            configure: (inout WaystoneConfig.KademliaSection) -> Void = { _ in },
            limits: (inout WaystoneConfig.Libp2pLimits) -> Void = { _ in }
        ) throws {
            self.key = key
            self.dataDir = dataDir
            var libp2p = WaystoneConfig().libp2p
            libp2p.listen = ["/ip4/127.0.0.1/tcp/0"]
            libp2p.allowPrivateAddresses = true
            libp2p.peers = peers
            limits(&libp2p.limits)
            var config = WaystoneConfig().kademlia
            config.bootstrapPeers = bootstrap
            config.refreshSeconds = 0
            config.snapshotSeconds = 0
            config.queryTimeoutSeconds = 3
            config.mode = mode
            configure(&config)
            let service =
                kademlia
                ? try KademliaService(
                    config: config, dataDir: dataDir, allowPrivateAddresses: true, localPeer: key.peerID,
                    metrics: KademliaMetrics(registry: registry), log: { _, _ in })
                : nil
            self.service = service
            role = try Libp2pRole(
                config: libp2p, isDefaultListen: false, identity: key, loop: loop,
                metrics: Libp2pMetrics(registry: registry), warn: { _ in }, log: { _, _ in },
                services: service.map { [$0] } ?? [])
            address = try Multiaddr(try #require(role.boundAddresses.first))
        }

        func metric(_ sample: String) -> Double? { sampleValue(registry.render(), sample) }
        var tableSize: Double? { metric("waystone_kad_routing_table_peers") }
    }

    let runner: LoopRunner
    var nodes: [Node] = []

    init() throws { runner = try LoopRunner() }

    /// Creates a node (before `start()`, or on the loop thread through `onLoop`).
    @discardableResult
    func add(
        dataDir: String = TempDirectory().path, key: Libp2pPrivateKey = .generateEd25519(), bootstrap: [Node] = [],
        kademlia: Bool = true, peers: [Node] = [], mode: KadMode = .bootstrap,
        configure: (inout WaystoneConfig.KademliaSection) -> Void = { _ in },
        limits: (inout WaystoneConfig.Libp2pLimits) -> Void = { _ in }
    ) throws -> Node {
        let node = try Node(
            loop: runner.loop, dataDir: dataDir, key: key, bootstrap: bootstrap.map(\.dialable), kademlia: kademlia,
            peers: peers.map(\.dialable), mode: mode, configure: configure, limits: limits)
        nodes.append(node)
        return node
    }

    /// Runs `body` on the loop thread and waits for it.
    func onLoop<T: Sendable>(_ body: @escaping () throws -> T) throws -> T {
        let result = Locked<Result<T, any Error>?>(nil)
        let box = UncheckedBox(body)
        runner.loop.execute { result.value = Result { try box.value() } }
        guard waitUntil(timeout: 5, { result.value != nil }), let value = result.value else {
            throw KadLabError.timeout
        }
        return try value.get()
    }

    func stop() { runner.stop() }
}

enum KadLabError: Error { case timeout }

@Suite(.serialized) struct KademliaServiceTests {
    /// B and C join through A: every table ends up with the two others (A learns them from identify, C learns B from
    /// its self-lookup through A, B learns C when C connects). A DHT client connected to A is answered first when it
    /// is the FIND_NODE target, though it is in nobody's table.
    @Test func nodesJoinThroughABootstrapNodeAndClientsAreFound() throws {
        let lab = try KadLab()
        defer { lab.stop() }
        let a = try lab.add()
        let b = try lab.add(bootstrap: [a])
        let c = try lab.add(bootstrap: [a])
        let client = try lab.add(kademlia: false, peers: [a])
        lab.runner.start()
        for node in [a, b, c] {
            #expect(
                waitUntil(timeout: 10) { node.tableSize == 2 }, "table of \(node.key.peerID): \(node.tableSize ?? -1)")
        }
        #expect(waitUntil(timeout: 5) { a.role.session(for: client.key.peerID) != nil })
        #expect(a.metric(#"waystone_kad_inbound_requests_total{type="find_node",result="ok"}"#) ?? 0 >= 2)

        let answer = Locked<[PeerID]?>(nil)
        let box = UncheckedBox(b.service!)
        let target = client.key.peerID
        let aInfo = (a.key.peerID, a.address)
        lab.runner.loop.execute {
            box.value.query(aInfo.0, addresses: [aInfo.1], KadMessage(type: .findNode, key: target.bytes)) { response in
                answer.value = response?.closerPeers.compactMap { try? PeerID(multihashBytes: $0.id) } ?? []
            }
        }
        #expect(waitUntil(timeout: 5) { answer.value != nil })
        #expect(answer.value?.first == target)
        #expect(answer.value?.contains(c.key.peerID) == true)
        #expect(answer.value?.contains(b.key.peerID) == false)  // the requester is left out
    }

    /// The routing table is saved at stop and verified again after a restart: the peers answer and are back in the
    /// table without any bootstrap peer configured.
    @Test func aRestartIsWarm() throws {
        let lab = try KadLab()
        defer { lab.stop() }
        let dataDir = TempDirectory()
        let key = Libp2pPrivateKey.generateEd25519()
        let first = try lab.add(dataDir: dataDir.path, key: key)
        let peers = try (0..<4).map { _ in try lab.add(bootstrap: [first]) }
        lab.runner.start()
        #expect(waitUntil(timeout: 10) { first.tableSize == 4 })
        try lab.onLoop { first.role.stopAcceptingWork() }
        #expect(first.metric(#"waystone_kad_snapshot_saves_total{result="ok"}"#) == 1)
        #expect(dataDir.entries().contains(KademliaService.snapshotFileName))

        let restarted = try lab.onLoop {
            try KadLab.Node(
                loop: lab.runner.loop, dataDir: dataDir.path, key: key, bootstrap: [], kademlia: true)
        }
        #expect(restarted.metric(#"waystone_kad_snapshot_loads_total{result="ok"}"#) == 1)
        #expect(waitUntil(timeout: 10) { restarted.tableSize == 4 })
        let inTable = try lab.onLoop { restarted.service!.server.table.entries.map(\.peer) }
        #expect(Set(inTable) == Set(peers.map(\.key.peerID)))
        try lab.onLoop { restarted.role.stopAcceptingWork() }
    }

    /// A damaged snapshot is kept aside and the node starts cold, without crashing.
    @Test func aCorruptSnapshotIsKeptAsideAndTheNodeStartsCold() throws {
        let lab = try KadLab()
        defer { lab.stop() }
        let dataDir = TempDirectory()
        dataDir.write(KademliaService.snapshotFileName, "wkad this is not a snapshot")
        let node = try lab.add(dataDir: dataDir.path)
        lab.runner.start()
        #expect(node.metric(#"waystone_kad_snapshot_loads_total{result="corrupt"}"#) == 1)
        #expect(dataDir.entries().contains(KademliaService.snapshotFileName + ".corrupt"))
        #expect(!dataDir.entries().contains(KademliaService.snapshotFileName))
        #expect(node.tableSize == 0)
        let missing = try lab.onLoop {
            try KadLab.Node(
                loop: lab.runner.loop, dataDir: TempDirectory().path, key: .generateEd25519(), bootstrap: [],
                kademlia: true)
        }
        #expect(missing.metric(#"waystone_kad_snapshot_loads_total{result="missing"}"#) == 1)
    }

    /// Full mode keeps a provider record announced by its provider and hands it out; bootstrap mode does not.
    @Test(arguments: [KadMode.full, .bootstrap])
    func providersAreKeptInFullModeOnly(mode: KadMode) throws {
        let lab = try KadLab()
        defer { lab.stop() }
        let server = try lab.add(mode: mode)
        let provider = try lab.add(bootstrap: [server])
        lab.runner.start()
        #expect(waitUntil(timeout: 10) { provider.tableSize == 1 })
        let cid = Array("bafy-test-key".utf8)
        let found = Locked<Int?>(nil)
        let box = UncheckedBox(provider.service!)
        let serverInfo = (server.key.peerID, server.address)
        let me = KadPeerInfo(peer: provider.key.peerID, addresses: [provider.address])
        lab.runner.loop.execute {
            let add = KadMessage(type: .addProvider, key: cid, providerPeers: [me.message()])
            box.value.query(serverInfo.0, addresses: [serverInfo.1], add) { _ in }
            box.value.query(serverInfo.0, addresses: [serverInfo.1], KadMessage(type: .getProviders, key: cid)) {
                found.value = $0?.providerPeers.count ?? -1
            }
        }
        #expect(waitUntil(timeout: 5) { found.value != nil })
        #expect(found.value == (mode == .full ? 1 : 0))
        #expect(server.metric("waystone_kad_provider_records") == (mode == .full ? 1 : 0))

        // A restart keeps the records (full mode) through the snapshot.
        try lab.onLoop { server.role.stopAcceptingWork() }
        let restarted = try lab.onLoop {
            try KadLab.Node(
                loop: lab.runner.loop, dataDir: server.dataDir, key: server.key, bootstrap: [], kademlia: true,
                mode: mode)
        }
        #expect(restarted.metric("waystone_kad_provider_records") == (mode == .full ? 1 : 0))
        try lab.onLoop { restarted.role.stopAcceptingWork() }
    }

    /// Per-peer limits: requests over the token bucket, and streams over the per-peer cap, are reset and counted.
    @Test func perPeerLimitsResetStreams() throws {
        let lab = try KadLab()
        defer { lab.stop() }
        let server = try lab.add {
            $0.limits.requestsPerSecondPerPeer = 1
            $0.limits.burstPerPeer = 3
        }
        let client = try lab.add(kademlia: true, peers: [server])
        lab.runner.start()
        #expect(waitUntil(timeout: 5) { server.role.session(for: client.key.peerID) != nil })
        // The client's own verification of the server used one request; send five more at once.
        #expect(waitUntil(timeout: 5) { client.tableSize == 1 })
        let answers = Locked<[Bool]>([])
        let box = UncheckedBox(client.service!)
        let target = (server.key.peerID, server.address)
        lab.runner.loop.execute {
            for _ in 0..<5 {
                box.value.query(target.0, addresses: [target.1], KadMessage(type: .findNode, key: target.0.bytes)) {
                    answers.value.append($0 != nil)
                }
            }
        }
        #expect(waitUntil(timeout: 5) { answers.value.count == 5 })
        #expect(answers.value.filter { $0 }.count < 5)
        #expect(server.metric(#"waystone_kad_inbound_requests_total{type="other",result="rate_limited"}"#) ?? 0 >= 1)
    }

    /// Bootstrap peers must be dialable /ip…/tcp/…/p2p/ addresses, public unless private addresses are allowed:
    /// otherwise the node refuses to start (exit 2) with the key named.
    @Test func badBootstrapPeersAreStartErrors() throws {
        let runner = try LoopRunner()
        defer { runner.stop() }
        let peer = Libp2pPrivateKey.generateEd25519().peerID
        for (text, allowPrivate, fragment) in [
            ("/ip4/127.0.0.1/tcp/4001/p2p/\(peer)", false, "not a public address"),
            ("/dns4/example.com/tcp/4001/p2p/\(peer)", true, "is not an /ip4|ip6"),
            ("/ip4/8.8.8.8/udp/4001/p2p/\(peer)", true, "is not an /ip4|ip6"),
        ] {
            var config = WaystoneConfig().kademlia
            config.bootstrapPeers = [text]
            do {
                _ = try KademliaService(
                    config: config, dataDir: TempDirectory().path, allowPrivateAddresses: allowPrivate,
                    localPeer: peer, metrics: KademliaMetrics(registry: MetricsRegistry()),
                    log: { _, _ in })
                Issue.record("\(text) accepted")
            } catch {
                #expect(error.description.contains(fragment) && error.description.contains("kademlia.bootstrapPeers"))
            }
        }
    }

    /// Entries not heard from are asked again; one that does not answer (its node stopped) leaves the table, one
    /// that answers stays.
    @Test func stalePeersThatDoNotAnswerLeaveTheTable() throws {
        let lab = try KadLab()
        defer { lab.stop() }
        let a = try lab.add()
        let alive = try lab.add(bootstrap: [a])
        let gone = try lab.add(bootstrap: [a])
        lab.runner.start()
        #expect(waitUntil(timeout: 10) { a.tableSize == 2 })
        try lab.onLoop { gone.role.stopAcceptingWork() }
        let finished = Locked(false)
        let box = UncheckedBox(a.service!)
        let loop = UncheckedBox(lab.runner.loop)
        lab.runner.loop.execute {
            box.value.checkStalePeers(seenBefore: loop.value.nowNanoseconds()) { finished.value = true }
        }
        #expect(waitUntil(timeout: 10) { finished.value })
        let left = try lab.onLoop { a.service!.server.table.entries.map(\.peer) }
        #expect(left == [alive.key.peerID])
        #expect(a.tableSize == 1)
    }

    /// A lookup whose answers name peers we cannot dial (DNS-only here) fails those queries at once, re-entering the
    /// lookup; it still completes exactly once, and the undialable peers never reach our table.
    @Test func lookupsCompleteOnceWhenQueriesFailAtOnce() throws {
        let lab = try KadLab()
        defer { lab.stop() }
        let a = try lab.add()
        let b = try lab.add(bootstrap: [a])
        lab.runner.start()
        #expect(waitUntil(timeout: 10) { b.tableSize == 1 })
        let undialable = (0..<12).map { _ in Libp2pPrivateKey.generateEd25519().peerID }
        try lab.onLoop {
            for (i, peer) in undialable.enumerated() {
                _ = a.service!.server.table.observe(
                    peer, addresses: [try! Multiaddr("/dns4/host\(i).example.com/tcp/4001")], now: 1)
            }
        }
        let completions = Locked(0)
        let box = UncheckedBox(b.service!)
        let target = Libp2pPrivateKey.generateEd25519().peerID.bytes
        lab.runner.loop.execute { box.value.lookup(target) { _ in completions.value += 1 } }
        #expect(waitUntil(timeout: 10) { completions.value >= 1 })
        Thread.sleep(forTimeInterval: 0.3)
        #expect(completions.value == 1)
        let table = try lab.onLoop { b.service!.server.table.entries.map(\.peer) }
        #expect(table == [a.key.peerID])
    }

    /// Opens `count` raw DHT streams from `client` to `server` and writes `bytes` on each (on the loop thread).
    private func rawStreams(
        _ lab: KadLab, from client: KadLab.Node, to server: KadLab.Node, count: Int, _ bytes: [UInt8]
    )
        throws
    {
        let opened = Locked(0)
        let box = UncheckedBox(client.role)
        let target = (server.key.peerID, server.address)
        lab.runner.loop.execute {
            box.value.connect(to: target.0, at: target.1) { session in
                guard let session else { return }
                for _ in 0..<count {
                    guard let id = box.value.openStream(session, "/ipfs/kad/1.0.0", owner: EchoService()) else {
                        continue
                    }
                    box.value.write(session, id, bytes)
                    opened.value += 1
                }
            }
        }
        #expect(waitUntil(timeout: 5) { opened.value == count })
    }

    /// A peer's inbound DHT streams over `kademlia.limits.maxStreamsPerPeer` are reset and counted.
    @Test func streamsOverThePerPeerCapAreReset() throws {
        let lab = try KadLab()
        defer { lab.stop() }
        let server = try lab.add { $0.limits.maxStreamsPerPeer = 2 }
        let client = try lab.add(kademlia: false)
        lab.runner.start()
        try rawStreams(lab, from: client, to: server, count: 4, [])
        #expect(
            waitUntil(timeout: 5) {
                server.metric(#"waystone_kad_inbound_requests_total{type="other",result="stream_limit"}"#) == 2
            })
    }

    /// A half-sent DHT request is held by the service and counts against
    /// `libp2p.limits.maxBufferedBytesPerConnection`: over it the connection is closed and counted.
    @Test func partialRequestsCountAgainstTheConnectionMemoryLimit() throws {
        let lab = try KadLab()
        defer { lab.stop() }
        let server = try lab.add(limits: { $0.maxBufferedBytesPerConnection = 4000 })
        let client = try lab.add(kademlia: false)
        lab.runner.start()
        // A frame announcing 12,000 bytes (under the 16 KiB request limit), of which 3 × 2,500 arrive.
        var partial: [UInt8] = []
        partial.appendUVarint(12_000)
        partial += [UInt8](repeating: 0x08, count: 2_500)
        try rawStreams(lab, from: client, to: server, count: 3, partial)
        let blocked = #"libp2p_rcmgr_blocked_resources{dir="inbound",scope="connection",resource="memory"}"#
        #expect(waitUntil(timeout: 5) { server.metric(blocked) == 1 })
        #expect(waitUntil(timeout: 5) { server.role.session(for: client.key.peerID) == nil })
    }

    /// With `kademlia.snapshotSeconds` the table is saved while the node runs, not only at stop.
    @Test func snapshotsAreSavedPeriodically() throws {
        let lab = try KadLab()
        defer { lab.stop() }
        let dataDir = TempDirectory()
        let node = try lab.add(dataDir: dataDir.path) { $0.snapshotSeconds = 1 }
        lab.runner.start()
        #expect(waitUntil(timeout: 5) { node.metric(#"waystone_kad_snapshot_saves_total{result="ok"}"#) ?? 0 >= 2 })
        #expect(dataDir.entries().contains(KademliaService.snapshotFileName))
    }
}
