import Foundation
import Kademlia
import Libp2pCore
import Metrics
import Node
import Testing

@testable import Daemon

/// The Kademlia service on a ``Libp2pMesh``: in-memory connections and a virtual clock, so timeouts and
/// verification run without sockets or waiting. (The loopback suite, KademliaServiceTests, stays.)
@Suite struct KademliaMeshTests {
    /// A Kademlia node on the mesh: its service, metrics and a recorder of another protocol next to it.
    final class Node {
        let host: MeshNode
        let service: KademliaService
        let recorder: RecordingService
        let registry: MetricsRegistry

        init(
            _ mesh: Libp2pMesh, bootstrap: [Node] = [],
            configure: (inout WaystoneConfig.KademliaSection) -> Void = { _ in }
        )
            throws
        {
            var config = WaystoneConfig().kademlia
            config.bootstrapPeers = bootstrap.map(\.host.dialable)
            config.refreshSeconds = 0
            config.snapshotSeconds = 0
            config.queryTimeoutSeconds = 3
            configure(&config)
            let registry = MetricsRegistry()
            let recorder = RecordingService()
            var service: KademliaService?
            let dataDir = TempDirectory().path
            host = try mesh.add { peer in
                let kad = try KademliaService(
                    config: config, dataDir: dataDir, allowPrivateAddresses: true, localPeer: peer,
                    metrics: KademliaMetrics(registry: registry), log: { _, _ in })
                service = kad
                return [kad, recorder]
            }
            self.service = service!
            self.recorder = recorder
            self.registry = registry
        }

        var table: Set<PeerID> { Set(service.server.table.entries.map(\.peer)) }
        func metric(_ sample: String) -> Double? { sampleValue(registry.render(), sample) }
    }

    /// Nodes join through a bootstrap node: each is verified (FIND_NODE back) before it enters a table, and a
    /// self-lookup through the bootstrap node finds the others.
    @Test func nodesJoinThroughABootstrapNode() throws {
        let mesh = Libp2pMesh()
        let a = try Node(mesh)
        let b = try Node(mesh, bootstrap: [a])
        let c = try Node(mesh, bootstrap: [a])
        a.host.start()
        b.host.start()
        mesh.run()
        c.host.start()
        mesh.run()
        #expect(a.table == [b.host.peerID, c.host.peerID])
        #expect(c.table == [a.host.peerID, b.host.peerID])
        #expect(b.table.contains(a.host.peerID) && b.table.contains(c.host.peerID))
        // The other service on the same connections heard no stream event of Kademlia's.
        for node in [a, b, c] { #expect(node.recorder.streamEvents.isEmpty) }
    }

    /// A table entry that stopped answering leaves the table on the next stale-peer check; one that answers stays.
    @Test func stalePeersThatDoNotAnswerLeaveTheTable() throws {
        let mesh = Libp2pMesh()
        let a = try Node(mesh)
        let alive = try Node(mesh, bootstrap: [a])
        let gone = try Node(mesh, bootstrap: [a])
        for node in [a, alive, gone] { node.host.start() }
        mesh.run()
        #expect(a.table == [alive.host.peerID, gone.host.peerID])
        mesh.remove(gone.host)
        var finished = false
        a.service.checkStalePeers(seenBefore: mesh.clock.now + 1) { finished = true }
        mesh.run(until: { finished })
        #expect(finished)
        #expect(a.table == [alive.host.peerID])
    }

    /// A peer that accepts the DHT stream and never answers: the query fails after exactly `queryTimeoutSeconds`
    /// of virtual time, is counted as a timeout, and its stream is reset.
    @Test func aSilentPeerTimesOutOnTheVirtualClock() throws {
        let mesh = Libp2pMesh()
        let a = try Node(mesh)
        let silent = mesh.add { _ in [SilentService()] }
        a.host.start()
        var answer: KademliaService.QueryResult?
        let started = mesh.clock.now
        a.service.ask(silent.peerID, addresses: [silent.address], KadMessage(type: .findNode, key: [1, 2, 3])) {
            answer = $0
        }
        mesh.run(until: { answer != nil })
        guard case .failed? = answer else {
            Issue.record("expected a failed query, got \(String(describing: answer))")
            return
        }
        #expect(mesh.clock.now - started == 3_000_000_000)
        mesh.run()
        // Ours and the verification identify set off (the peer claims the DHT protocol): both time out, both
        // streams are reset, and the silent peer never enters the table.
        #expect(a.metric(#"waystone_kad_outbound_queries_total{result="timeout"}"#) == 2)
        #expect((silent.services[0] as? SilentService)?.resets == 2)
        #expect(a.table.isEmpty)
    }

    /// Streams of the recorder's protocol reach the recorder only, with their FIN as `streamFinished`; Kademlia's
    /// streams on the same connection never reach it.
    @Test func streamEventsReachOnlyTheirOwner() throws {
        let mesh = Libp2pMesh()
        let a = try Node(mesh)
        let b = try Node(mesh, bootstrap: [a])
        a.host.start()
        b.host.start()
        mesh.run()
        let session = try #require(b.host.session(for: a.host.peerID))
        let id = try #require(b.host.openStream(session, RecordingService.proto, owner: b.recorder))
        b.host.write(session, id, Array("hello".utf8))
        b.host.closeWrite(session, id)
        mesh.run()
        #expect(a.recorder.streamEvents.map(\.kind) == ["opened in", "data hello", "finished"])
        #expect(b.recorder.streamEvents.map(\.kind) == ["opened out", "finished"])
        #expect(a.table.contains(b.host.peerID))
    }

    /// An owner that closes its half while the rest of the same read (more data, the peer's FIN) is still being
    /// delivered keeps getting it: its entry goes only after.
    @Test func anOwnerThatClosesEarlyStillGetsTheRestOfTheRead() throws {
        let mesh = Libp2pMesh()
        let a = try Node(mesh)
        let b = try Node(mesh)
        a.recorder.closesOnFirstData = true
        a.host.start()
        b.host.start()
        var session: Libp2pSession?
        b.host.connect(to: a.host.peerID, at: a.host.address) { session = $0 }
        mesh.run(until: { session != nil })
        let connection = try #require(session)
        let id = try #require(b.host.openStream(connection, RecordingService.proto, owner: b.recorder))
        mesh.run()
        // One read on A's side: "one", "two" and the FIN (the mesh delivers back-to-back writes together).
        b.host.write(connection, id, Array("one".utf8))
        b.host.write(connection, id, Array("two".utf8))
        b.host.closeWrite(connection, id)
        mesh.run()
        #expect(a.recorder.streamEvents.map(\.kind) == ["opened in", "data one", "data two", "finished"])
        #expect(b.recorder.streamEvents.map(\.kind) == ["opened out", "finished"])
        #expect(connection.owners.isEmpty)
        let inbound = try #require(a.host.session(for: b.host.peerID))
        #expect(inbound.owners.isEmpty)
    }
}

/// Records the stream events it gets (it echoes "finished" with its own FIN).
final class RecordingService: Libp2pService {
    static let proto = "/test/recorder/1"
    let protocols = [RecordingService.proto]
    private weak var host: (any Libp2pHost)?
    private(set) var streamEvents: [(id: UInt32, kind: String)] = []
    /// Close our half on the first data of an inbound stream (instead of after the peer's FIN).
    var closesOnFirstData = false

    func start(host: any Libp2pHost) { self.host = host }
    func streamOpened(_ session: Libp2pSession, _ id: UInt32, protocol: String, inbound: Bool) {
        streamEvents.append((id, inbound ? "opened in" : "opened out"))
    }
    func streamData(_ session: Libp2pSession, _ id: UInt32, _ bytes: ArraySlice<UInt8>) {
        let first = !streamEvents.contains { $0.id == id && $0.kind.hasPrefix("data") }
        streamEvents.append((id, "data \(String(decoding: bytes, as: UTF8.self))"))
        if closesOnFirstData && first && session.isInbound { host?.closeWrite(session, id) }
    }
    func streamFinished(_ session: Libp2pSession, _ id: UInt32) {
        streamEvents.append((id, "finished"))
        if !closesOnFirstData { host?.closeWrite(session, id) }
    }
    func streamReset(_ session: Libp2pSession, _ id: UInt32, code: UInt32) { streamEvents.append((id, "reset")) }
    func streamOpenFailed(_ session: Libp2pSession, _ id: UInt32) { streamEvents.append((id, "open failed")) }
    func peerIdentified(_ session: Libp2pSession, _ peer: PeerID, _ entry: Peerstore.Entry) {}
    func connectionClosed(_ session: Libp2pSession) {}
    func bufferedBytes(of session: Libp2pSession) -> Int { 0 }
    func stop() {}
}

/// Takes DHT streams and never answers; counts the resets it sees.
final class SilentService: Libp2pService {
    let protocols = ["/ipfs/kad/1.0.0"]
    private(set) var resets = 0

    func start(host: any Libp2pHost) {}
    func streamOpened(_ session: Libp2pSession, _ id: UInt32, protocol: String, inbound: Bool) {}
    func streamData(_ session: Libp2pSession, _ id: UInt32, _ bytes: ArraySlice<UInt8>) {}
    func streamFinished(_ session: Libp2pSession, _ id: UInt32) {}
    func streamReset(_ session: Libp2pSession, _ id: UInt32, code: UInt32) { resets += 1 }
    func streamOpenFailed(_ session: Libp2pSession, _ id: UInt32) {}
    func peerIdentified(_ session: Libp2pSession, _ peer: PeerID, _ entry: Peerstore.Entry) {}
    func connectionClosed(_ session: Libp2pSession) {}
    func bufferedBytes(of session: Libp2pSession) -> Int { 0 }
    func stop() {}
}
