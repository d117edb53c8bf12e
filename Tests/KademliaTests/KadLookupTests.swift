import Foundation
import Kademlia
import Libp2pCore
import TestSupport
import Testing

@Suite struct KadLookupTests {
    static func peers(_ count: Int, _ rng: inout SeededGenerator) -> [KadPeerInfo] {
        (0..<count).map { i in
            KadPeerInfo(peer: KadFixtures.peer(&rng), addresses: [KadFixtures.ip4(20, UInt8(i), 0, 1)])
        }
    }

    static func sorted(_ peers: [KadPeerInfo], by target: KadKey) -> [KadPeerInfo] {
        peers.sorted { KadKey(peer: $0.peer).distance(to: target) < KadKey(peer: $1.peer).distance(to: target) }
    }

    @Test func handsOutAtMostAlphaClosestFirst() {
        var rng = SeededGenerator.fromEnvironment("KadLookup alpha")
        let target = KadKey(peer: KadFixtures.peer(&rng))
        let seeds = Self.peers(30, &rng)
        let order = Self.sorted(seeds, by: target)
        var lookup = KadLookup(target: target, seeds: seeds, config: KadLookupConfig(alpha: 3, k: 5))
        #expect(lookup.next(now: 0).map(\.peer) == order.prefix(3).map(\.peer))
        #expect(lookup.next(now: 1).isEmpty)
        #expect(lookup.nextDeadline == 10_000_000_000)
        lookup.response(from: order[0].peer, closerPeers: [], now: 2)
        #expect(lookup.next(now: 3).map(\.peer) == [order[3].peer])
        // Only the k = 5 closest live candidates are ever queried.
        lookup.response(from: order[1].peer, closerPeers: [], now: 4)
        lookup.response(from: order[2].peer, closerPeers: [], now: 4)
        #expect(lookup.next(now: 5).map(\.peer) == [order[4].peer])
        #expect(!lookup.isFinished)
        lookup.response(from: order[3].peer, closerPeers: [], now: 6)
        lookup.response(from: order[4].peer, closerPeers: [], now: 6)
        #expect(lookup.isFinished)
        #expect(lookup.next(now: 7).isEmpty)
        #expect(lookup.result.map(\.peer) == order.prefix(5).map(\.peer))
        #expect(lookup.state(of: order[5].peer) == .notContacted)
    }

    @Test func closerPeersAreFollowed() {
        var rng = SeededGenerator.fromEnvironment("KadLookup closer")
        let target = KadKey(peer: KadFixtures.peer(&rng))
        let all = Self.sorted(Self.peers(40, &rng), by: target)
        let local = KadFixtures.peer(&rng)
        // Seeded with the far half; a far peer knows the near half (and the local peer, which is skipped).
        var lookup = KadLookup(
            target: target, seeds: Array(all[20...]), localPeer: local, config: KadLookupConfig(alpha: 2, k: 4))
        let first = lookup.next(now: 0)
        #expect(first.map(\.peer) == [all[20].peer, all[21].peer])
        lookup.response(from: all[20].peer, closerPeers: Array(all[..<20]) + [KadPeerInfo(peer: local)], now: 1)
        #expect(lookup.state(of: local) == nil)
        // all[21] is still in flight but no longer among the 4 closest: only all[0] is handed out now.
        #expect(lookup.next(now: 1).map(\.peer) == [all[0].peer])
        lookup.response(from: all[0].peer, closerPeers: [], now: 1)
        var now: UInt64 = 2
        while !lookup.isFinished {
            for peer in lookup.next(now: now) { lookup.response(from: peer.peer, closerPeers: [], now: now) }
            now += 1
            if now > 100 { break }
        }
        #expect(lookup.result.map(\.peer) == all.prefix(4).map(\.peer))
    }

    @Test func timeoutsAndFailuresAreReplaced() {
        var rng = SeededGenerator.fromEnvironment("KadLookup timeouts")
        let target = KadKey(peer: KadFixtures.peer(&rng))
        let order = Self.sorted(Self.peers(6, &rng), by: target)
        var lookup = KadLookup(
            target: target, seeds: order, config: KadLookupConfig(alpha: 2, k: 3, queryTimeout: 100))
        #expect(lookup.next(now: 0).map(\.peer) == [order[0].peer, order[1].peer])
        lookup.failure(order[1].peer)
        #expect(lookup.state(of: order[1].peer) == .failed)
        #expect(lookup.next(now: 10).map(\.peer) == [order[2].peer])
        #expect(lookup.nextDeadline == 100)
        // order[0] times out at 100; order[3] replaces it.
        #expect(lookup.next(now: 99).isEmpty)
        #expect(lookup.next(now: 100).map(\.peer) == [order[3].peer])
        #expect(lookup.state(of: order[0].peer) == .failed)
        lookup.response(from: order[2].peer, closerPeers: [], now: 101)
        lookup.response(from: order[3].peer, closerPeers: [], now: 101)
        #expect(lookup.next(now: 101).map(\.peer) == [order[4].peer])
        // A late answer from the timed-out peer still counts; unknown and repeated answers are ignored.
        lookup.response(from: order[0].peer, closerPeers: [], now: 102)
        lookup.response(from: KadFixtures.peer(&rng), closerPeers: Self.peers(3, &rng), now: 102)
        lookup.response(from: order[5].peer, closerPeers: [], now: 102)
        #expect(lookup.state(of: order[5].peer) == .notContacted)
        #expect(lookup.isFinished)
        #expect(lookup.result.map(\.peer) == [order[0].peer, order[2].peer, order[3].peer])
        #expect(lookup.nextDeadline == 201)
    }

    @Test func emptyOrExhaustedLookupsFinish() {
        var rng = SeededGenerator.fromEnvironment("KadLookup empty")
        let target = KadKey(peer: KadFixtures.peer(&rng))
        var empty = KadLookup(target: target, seeds: [])
        #expect(empty.isFinished && empty.next(now: 0).isEmpty && empty.result.isEmpty && empty.nextDeadline == nil)
        let seeds = Self.peers(3, &rng)
        var dead = KadLookup(target: target, seeds: seeds, config: KadLookupConfig(k: 20))
        for peer in dead.next(now: 0) { dead.failure(peer.peer) }
        #expect(dead.isFinished && dead.result.isEmpty)
    }

    // MARK: - Mesh

    /// One simulated node: its routing table and how it behaves when queried.
    struct SimNode {
        enum Behaviour { case answers, silent, refuses }
        var table: RoutingTable
        let behaviour: Behaviour
        let info: KadPeerInfo
    }

    /// A mesh of `size` nodes, each table filled from a seeded random subset (60...120) of the others; 10 % of the
    /// nodes never answer (their queries time out) and 5 % refuse (the query fails at once).
    static func mesh(size: Int, _ rng: inout SeededGenerator) -> [PeerID: SimNode] {
        let infos = (0..<size).map { i in
            KadPeerInfo(
                peer: KadFixtures.peer(&rng), addresses: [KadFixtures.ip4(UInt8(20 + i / 256), UInt8(i % 256), 0, 1)])
        }
        var nodes: [PeerID: SimNode] = [:]
        for (i, info) in infos.enumerated() {
            var table = RoutingTable(localPeer: info.peer)
            for other in infos.shuffled(using: &rng).prefix(Int.random(in: 60...120, using: &rng)) {
                table.observe(other.peer, addresses: other.addresses, now: 0)
            }
            let roll = Int.random(in: 0..<100, using: &rng)
            let behaviour: SimNode.Behaviour = i == 0 || roll >= 15 ? .answers : (roll < 10 ? .silent : .refuses)
            nodes[info.peer] = SimNode(table: table, behaviour: behaviour, info: info)
        }
        return nodes
    }

    struct LookupRun {
        var result: [KadPeerInfo]
        var queries: Int
        var elapsed: UInt64
        var finished: Bool
    }

    /// Drives one lookup from `origin` under a virtual clock: answers arrive after 5...150 ms, refusals after 1 ms.
    static func run(
        from origin: PeerID, target: KadKey, in nodes: [PeerID: SimNode], _ rng: inout SeededGenerator
    ) -> LookupRun {
        let ms: UInt64 = 1_000_000
        let k = 20
        let seeds = nodes[origin]!.table.closest(to: target, count: k)
        var lookup = KadLookup(target: target, seeds: seeds, localPeer: origin)
        var pending: [(at: UInt64, peer: PeerID, closer: [KadPeerInfo]?)] = []
        var now: UInt64 = 0
        var queries = 0
        for _ in 0..<10_000 {
            for query in lookup.next(now: now) {
                queries += 1
                guard let node = nodes[query.peer] else {
                    pending.append((now + ms, query.peer, nil))
                    continue
                }
                switch node.behaviour {
                case .answers:
                    let closer = node.table.closest(to: target, count: k, excluding: [origin])
                    pending.append((now + UInt64.random(in: 5...150, using: &rng) * ms, query.peer, closer))
                case .refuses: pending.append((now + ms, query.peer, nil))
                case .silent: break
                }
            }
            if lookup.isFinished { break }
            guard let at = (pending.map(\.at) + [lookup.nextDeadline].compactMap { $0 }).min() else { break }
            now = max(now, at)
            let due = pending.filter { $0.at <= now }
            pending.removeAll { $0.at <= now }
            for event in due {
                if let closer = event.closer {
                    lookup.response(from: event.peer, closerPeers: closer, now: now)
                } else {
                    lookup.failure(event.peer)
                }
            }
        }
        return LookupRun(result: lookup.result, queries: queries, elapsed: now, finished: lookup.isFinished)
    }

    /// Lookups in 250-node meshes converge to the true k closest responsive nodes (brute force).
    ///
    /// Deterministic: fixed seeds 1, 2, 3 (or WAYSTONE_TEST_SEED). Every lookup must finish, return k answering peers
    /// in XOR order and share ≥ 18 of its 20 peers with the truth. On the fixed seeds every lookup must be exact; for
    /// other seeds ≥ 95 % of the lookups must be. Why not always exact: tables are filled from random *one-way*
    /// subsets, so a true-closest node can be known only to nodes far from the target, which a lookup may never
    /// query (no lookup bug: with 30...60-peer subsets the misses were checked to be exactly such nodes, ~93 % of
    /// lookups were exact; with the 60...120-peer subsets used here seeds 1...20 gave 440/440 exact lookups).
    @Test func meshLookupsConvergeToTrueClosest() throws {
        let envSeed = ProcessInfo.processInfo.environment["WAYSTONE_TEST_SEED"].flatMap { UInt64($0) }
        var exact = 0
        var total = 0
        var queries = 0
        var elapsed: UInt64 = 0
        for seed in envSeed.map({ [$0] }) ?? [1, 2, 3] {
            var rng = SeededGenerator(seed: seed)
            let nodes = Self.mesh(size: 250, &rng)
            let responsive = nodes.values.filter { $0.behaviour == .answers }.map(\.info)
            let origins = Array(nodes.keys).sorted()
            for _ in 0..<25 {
                let origin = origins.randomElement(using: &rng)!
                guard nodes[origin]?.behaviour == .answers else { continue }
                let target = KadKey(peer: KadFixtures.peer(&rng))
                let truth = Self.sorted(responsive.filter { $0.peer != origin }, by: target).prefix(20).map(\.peer)
                let run = Self.run(from: origin, target: target, in: nodes, &rng)
                let got = run.result.map(\.peer)
                #expect(run.finished, "seed \(seed)")
                #expect(got == Self.sorted(run.result, by: target).map(\.peer), "seed \(seed): result not in XOR order")
                #expect(got.count == 20, "seed \(seed)")
                #expect(Set(got).isSubset(of: Set(responsive.map(\.peer))), "seed \(seed): a silent node in the result")
                let overlap = Set(got).intersection(truth).count
                #expect(overlap >= 18, "seed \(seed): \(overlap)/20 of the true closest")
                if got == truth { exact += 1 }
                total += 1
                queries += run.queries
                elapsed += run.elapsed
                #expect(run.elapsed < 120_000_000_000, "seed \(seed): lookup took \(run.elapsed / 1_000_000) ms")
            }
        }
        let perLookup = max(total, 1)
        print(
            "[KadLookup mesh] \(exact)/\(total) exact, \(queries / perLookup) queries and"
                + " \(elapsed / UInt64(perLookup) / 1_000_000) virtual ms per lookup")
        #expect(total >= 20)
        #expect(Double(exact) >= 0.95 * Double(total), "\(exact)/\(total) exact")
        if envSeed == nil { #expect(exact == total, "\(exact)/\(total) exact on the fixed seeds") }
    }
}
