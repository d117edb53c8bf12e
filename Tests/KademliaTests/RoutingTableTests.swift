import Kademlia
import Libp2pCore
import TestSupport
import Testing

/// Random peers and addresses for the Kademlia tests.
enum KadFixtures {
    static func peer(_ rng: inout SeededGenerator) -> PeerID {
        let digest = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return try! PeerID(multihashBytes: [0x12, 0x20] + digest)
    }

    /// A peer whose key falls in bucket `bucket` of `table`.
    static func peer(inBucket bucket: Int, of table: RoutingTable, _ rng: inout SeededGenerator) -> PeerID {
        while true {
            let candidate = peer(&rng)
            if table.bucketIndex(for: KadKey(peer: candidate)) == bucket { return candidate }
        }
    }

    static func ip4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, port: Int = 4001) -> Multiaddr {
        try! Multiaddr("/ip4/\(a).\(b).\(c).\(d)/tcp/\(port)")
    }
}

@Suite struct RoutingTableTests {
    static func table(
        _ rng: inout SeededGenerator, bucketSize: Int = 20, cache: Int = 20, diversity: IPDiversityLimits = .init()
    ) -> RoutingTable {
        RoutingTable(
            localPeer: KadFixtures.peer(&rng),
            config: RoutingTableConfig(bucketSize: bucketSize, replacementCacheSize: cache, diversity: diversity))
    }

    /// A distinct public /16 per `n`, so the diversity caps do not interfere.
    static func uniqueAddress(_ n: Int) -> Multiaddr {
        KadFixtures.ip4(UInt8(20 + n / 256), UInt8(n % 256), 0, 1)
    }

    @Test func addUpdateAndLeastRecentlySeenOrder() {
        var rng = SeededGenerator.fromEnvironment("RoutingTable order")
        var table = Self.table(&rng)
        let peers = (0..<3).map { _ in KadFixtures.peer(inBucket: 0, of: table, &rng) }
        for (i, peer) in peers.enumerated() {
            #expect(table.observe(peer, addresses: [Self.uniqueAddress(i)], now: UInt64(i)) == .added)
        }
        #expect(table.bucket(0).map(\.peer) == peers)
        // Seeing the first again moves it to the most-recently-seen end and refreshes its addresses.
        let newAddress = Self.uniqueAddress(99)
        #expect(table.observe(peers[0], addresses: [newAddress], now: 10) == .updated)
        #expect(table.bucket(0).map(\.peer) == [peers[1], peers[2], peers[0]])
        #expect(table.entry(for: peers[0])?.addresses == [newAddress])
        #expect(table.entry(for: peers[0])?.lastSeen == 10)
        // No usable address: a known peer keeps its addresses, an unknown one is rejected.
        #expect(table.observe(peers[1], addresses: [], now: 11) == .updated)
        #expect(table.entry(for: peers[1])?.addresses == [Self.uniqueAddress(1)])
        #expect(table.observe(KadFixtures.peer(&rng), addresses: [], now: 12) == .rejected(.noAddresses))
        #expect(table.observe(table.localPeer, addresses: [newAddress], now: 12) == .rejected(.localPeer))
        #expect(table.count == 3 && table.contains(peers[2]))
    }

    @Test func addressesAreFilteredDeduplicatedAndBounded() throws {
        var rng = SeededGenerator.fromEnvironment("RoutingTable addresses")
        var table = RoutingTable(
            localPeer: KadFixtures.peer(&rng), config: RoutingTableConfig(maxAddressesPerPeer: 3))
        let peer = KadFixtures.peer(&rng)
        let addresses = [
            try Multiaddr("/ip4/192.168.1.2/tcp/4001"), KadFixtures.ip4(8, 8, 8, 8), KadFixtures.ip4(8, 8, 8, 8),
            try Multiaddr("/ip4/127.0.0.1/tcp/4001"), try Multiaddr("/dns4/example.com/tcp/4001"),
            try Multiaddr("/ip6/2a00:1450::1/tcp/4001"), KadFixtures.ip4(9, 9, 9, 9),
        ]
        #expect(table.observe(peer, addresses: addresses, now: 0) == .added)
        #expect(table.entry(for: peer)?.addresses == [addresses[1], addresses[4], addresses[5]])
        // Private only: rejected by the default filter, accepted when the filter allows everything.
        let lab = KadFixtures.peer(&rng)
        #expect(table.observe(lab, addresses: [addresses[0], addresses[3]], now: 0) == .rejected(.noAddresses))
        var open = RoutingTable(
            localPeer: table.localPeer,
            config: RoutingTableConfig(diversity: IPDiversityLimits(isEnabled: false), addressFilter: { _ in true }))
        #expect(open.observe(lab, addresses: [addresses[0], addresses[3]], now: 0) == .added)
    }

    @Test func fullBucketAsksForLivenessCheck() {
        var rng = SeededGenerator.fromEnvironment("RoutingTable liveness")
        var table = Self.table(&rng, bucketSize: 2, cache: 2)
        let p = (0..<6).map { _ in KadFixtures.peer(inBucket: 1, of: table, &rng) }
        table.observe(p[0], addresses: [Self.uniqueAddress(0)], now: 1)
        table.observe(p[1], addresses: [Self.uniqueAddress(1)], now: 2)
        let oldest = KadPeerInfo(peer: p[0], addresses: [Self.uniqueAddress(0)])
        #expect(
            table.observe(p[2], addresses: [Self.uniqueAddress(2)], now: 3)
                == .checkLiveness(oldest: oldest, pending: p[2]))
        // One check at a time: the next newcomers wait in the (bounded) cache.
        #expect(table.observe(p[3], addresses: [Self.uniqueAddress(3)], now: 4) == .cached)
        #expect(table.observe(p[4], addresses: [Self.uniqueAddress(4)], now: 5) == .cached)
        #expect(table.replacements(inBucket: 1).map(\.peer) == [p[3], p[4]])
        // Alive: the old entry stays and becomes most recently seen; nobody is promoted.
        #expect(table.livenessResult(p[0], alive: true, now: 6) == nil)
        #expect(table.bucket(1).map(\.peer) == [p[1], p[0]])
        #expect(table.entry(for: p[0])?.lastSeen == 6)
        // A stale report is ignored.
        #expect(table.livenessResult(p[0], alive: false, now: 7) == nil)
        #expect(table.contains(p[0]))
        // The next newcomer checks the new oldest (p[1]); dead: replaced by the most recent cached peer.
        let check = table.observe(p[5], addresses: [Self.uniqueAddress(5)], now: 8)
        #expect(
            check == .checkLiveness(oldest: KadPeerInfo(peer: p[1], addresses: [Self.uniqueAddress(1)]), pending: p[5]))
        #expect(table.livenessResult(p[1], alive: false, now: 9)?.peer == p[5])
        #expect(table.bucket(1).map(\.peer) == [p[0], p[5]])
        #expect(!table.contains(p[1]))
        #expect(table.replacements(inBucket: 1).map(\.peer) == [p[4]])
        // remove() refills from the cache too.
        let removed = table.remove(p[0])
        #expect(removed)
        #expect(table.bucket(1).map(\.peer) == [p[5], p[4]])
        let removedAgain = table.remove(p[0])
        #expect(!removedAgain)
    }

    @Test func unansweredCheckIsReissuedAfterTimeout() {
        var rng = SeededGenerator.fromEnvironment("RoutingTable check timeout")
        var table = RoutingTable(
            localPeer: KadFixtures.peer(&rng), config: RoutingTableConfig(bucketSize: 1, livenessCheckTimeout: 100))
        let p = (0..<3).map { _ in KadFixtures.peer(inBucket: 0, of: table, &rng) }
        table.observe(p[0], addresses: [Self.uniqueAddress(0)], now: 0)
        #expect(table.observe(p[1], addresses: [Self.uniqueAddress(1)], now: 10) != .cached)
        #expect(table.observe(p[2], addresses: [Self.uniqueAddress(2)], now: 109) == .cached)
        #expect(table.observe(p[2], addresses: [Self.uniqueAddress(2)], now: 110) != .cached)
        // Seeing the oldest again answers the check.
        #expect(table.observe(p[0], addresses: [], now: 111) == .updated)
        #expect(table.livenessResult(p[0], alive: false, now: 112) == nil)
        #expect(table.contains(p[0]))
    }

    @Test func diversityCapsPerBucketAndTable() {
        var rng = SeededGenerator.fromEnvironment("RoutingTable diversity")
        var table = Self.table(&rng)
        let sameGroup = { (d: UInt8) in KadFixtures.ip4(45, 77, 3, d) }
        let b0 = (0..<3).map { _ in KadFixtures.peer(inBucket: 0, of: table, &rng) }
        let b1 = (0..<2).map { _ in KadFixtures.peer(inBucket: 1, of: table, &rng) }
        #expect(table.observe(b0[0], addresses: [sameGroup(1)], now: 0) == .added)
        #expect(table.observe(b0[1], addresses: [sameGroup(2)], now: 0) == .added)
        let group = IPGroup(sameGroup(3))!
        #expect(table.observe(b0[2], addresses: [sameGroup(3)], now: 0) == .rejected(.diversity(group)))
        #expect(table.observe(b1[0], addresses: [sameGroup(4)], now: 0) == .added)
        #expect(table.observe(b1[1], addresses: [sameGroup(5)], now: 0) == .rejected(.diversity(group)))
        // A peer counts in every group of its addresses.
        #expect(
            table.observe(b1[1], addresses: [KadFixtures.ip4(46, 1, 1, 1), sameGroup(6)], now: 0)
                == .rejected(.diversity(group)))
        // An update that would break a cap keeps the old addresses.
        #expect(table.observe(b0[0], addresses: [KadFixtures.ip4(47, 1, 1, 1)], now: 1) == .updated)
        #expect(table.observe(b1[1], addresses: [sameGroup(7)], now: 1) == .added)
        #expect(table.observe(b0[0], addresses: [sameGroup(8)], now: 2) == .updated)
        #expect(table.entry(for: b0[0])?.addresses == [KadFixtures.ip4(47, 1, 1, 1)])
        // Disabled: no caps.
        var open = Self.table(&rng, diversity: IPDiversityLimits(isEnabled: false))
        for i in 0..<10 {
            #expect(open.observe(KadFixtures.peer(&rng), addresses: [sameGroup(UInt8(i))], now: 0) == .added)
        }
        // Configurable caps.
        var strict = Self.table(&rng, diversity: IPDiversityLimits(maxPerGroupPerBucket: 1, maxPerGroupInTable: 1))
        #expect(strict.observe(KadFixtures.peer(&rng), addresses: [sameGroup(1)], now: 0) == .added)
        #expect(
            strict.observe(KadFixtures.peer(&rng), addresses: [sameGroup(2)], now: 0) == .rejected(.diversity(group)))
    }

    @Test func ipGroups() throws {
        #expect(IPGroup(try Multiaddr("/ip4/1.2.3.4/tcp/1"))?.description == "1.2.0.0/16")
        #expect(IPGroup(try Multiaddr("/ip4/1.2.200.4/udp/1/quic-v1")) == IPGroup(try Multiaddr("/ip4/1.2.3.4/tcp/1")))
        #expect(IPGroup(try Multiaddr("/ip4/1.3.3.4/tcp/1")) != IPGroup(try Multiaddr("/ip4/1.2.3.4/tcp/1")))
        #expect(IPGroup(try Multiaddr("/ip6/2a00:1450:4001:1::1/tcp/1"))?.description == "2a00:1450::/32")
        #expect(
            IPGroup(try Multiaddr("/ip6/2a00:1450:ffff::1/tcp/1")) == IPGroup(try Multiaddr("/ip6/2a00:1450::2/tcp/1")))
        #expect(IPGroup(try Multiaddr("/ip6/::ffff:1.2.3.4/tcp/1")) == IPGroup(try Multiaddr("/ip4/1.2.9.9/tcp/1")))
        #expect(IPGroup(try Multiaddr("/dns4/example.com/tcp/1")) == nil)
    }

    /// Random operation sequences keep every invariant; `closest` equals a brute-force sort.
    @Test(arguments: [(20, 20, 2, 3), (4, 3, 1, 2), (3, 0, 2, 3)])
    func randomOperationsKeepInvariants(_ shape: (k: Int, cache: Int, perBucket: Int, perTable: Int)) throws {
        var rng = SeededGenerator.fromEnvironment("RoutingTable property k=\(shape.k)")
        let config = RoutingTableConfig(
            bucketSize: shape.k, replacementCacheSize: shape.cache, maxAddressesPerPeer: 4,
            diversity: IPDiversityLimits(maxPerGroupPerBucket: shape.perBucket, maxPerGroupInTable: shape.perTable))
        var table = RoutingTable(localPeer: KadFixtures.peer(&rng), config: config)
        let pool = (0..<1500).map { _ in KadFixtures.peer(&rng) }
        var pendingChecks: [PeerID] = []
        var outcomes: [Substring: Int] = [:]
        func randomAddress() -> Multiaddr {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: return KadFixtures.ip4(192, 168, 0, UInt8.random(in: 1...254, using: &rng))
            case 1: return try! Multiaddr("/dns4/n\(Int.random(in: 0..<50, using: &rng)).example/tcp/4001")
            case 2:
                return try! Multiaddr(
                    "/ip6/2a0\(Int.random(in: 0..<4, using: &rng))::\(Int.random(in: 1..<99, using: &rng))/tcp/4001")
            default:
                // Few groups so the caps bite: 11-13 . 0-15.
                return KadFixtures.ip4(
                    UInt8.random(in: 11...13, using: &rng), UInt8.random(in: 0...15, using: &rng),
                    UInt8.random(in: 0...255, using: &rng), 1)
            }
        }
        for step in 0..<6000 {
            let now = UInt64(step)
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<7:
                let peer = pool.randomElement(using: &rng)!
                let addresses = (0..<Int.random(in: 0...6, using: &rng)).map { _ in randomAddress() }
                let update = table.observe(peer, addresses: addresses, now: now)
                outcomes["\(update)".prefix { $0 != "(" }, default: 0] += 1
                if case .rejected(.diversity) = update { outcomes["diversity", default: 0] += 1 }
                if case .checkLiveness(let oldest, _) = update { pendingChecks.append(oldest.peer) }
            case 7, 8:
                if !pendingChecks.isEmpty {
                    let peer = pendingChecks.remove(at: Int.random(in: 0..<pendingChecks.count, using: &rng))
                    table.livenessResult(peer, alive: Bool.random(using: &rng), now: now)
                }
            default:
                table.remove(pool.randomElement(using: &rng)!)
            }
            if step % 200 == 0 || step == 5999 { try checkInvariants(table, &rng) }
        }
        // The sequence exercised every path: full buckets, liveness checks, the cache and both caps.
        #expect(table.count >= 4 * shape.k, "\(outcomes)")
        for outcome in ["added", "updated", "checkLiveness", "cached", "diversity"] {
            #expect(outcomes[Substring(outcome), default: 0] > 0, "\(outcome) never happened: \(outcomes)")
        }
    }

    func checkInvariants(_ table: RoutingTable, _ rng: inout SeededGenerator) throws {
        let seed = rng.seed
        let config = table.config
        var seen = Set<PeerID>()
        var perTable: [IPGroup: Int] = [:]
        for index in 0..<256 {
            let bucket = table.bucket(index)
            #expect(bucket.count <= config.bucketSize, "seed \(seed)")
            var perBucket: [IPGroup: Int] = [:]
            for entry in bucket {
                #expect(table.bucketIndex(for: KadKey(peer: entry.peer)) == index, "seed \(seed)")
                #expect(seen.insert(entry.peer).inserted, "seed \(seed)")
                #expect(!entry.addresses.isEmpty && entry.addresses.count <= config.maxAddressesPerPeer)
                #expect(entry.addresses.allSatisfy(\.isPublic) && Set(entry.addresses).count == entry.addresses.count)
                for group in Set(entry.addresses.compactMap(IPGroup.init)) {
                    perBucket[group, default: 0] += 1
                    perTable[group, default: 0] += 1
                }
            }
            #expect(perBucket.values.allSatisfy { $0 <= config.diversity.maxPerGroupPerBucket }, "seed \(seed)")
            let cached = table.replacements(inBucket: index)
            #expect(cached.count <= config.replacementCacheSize, "seed \(seed)")
            #expect(cached.allSatisfy { !table.contains($0.peer) }, "seed \(seed)")
            #expect(cached.allSatisfy { table.bucketIndex(for: KadKey(peer: $0.peer)) == index })
        }
        #expect(perTable.values.allSatisfy { $0 <= config.diversity.maxPerGroupInTable }, "seed \(seed)")
        #expect(seen.count == table.count && table.count <= 256 * config.bucketSize)
        #expect(table.entries.count == table.count)
        // closest() equals a brute-force sort, for random targets, the local key and member keys.
        let all = table.entries
        var targets = (0..<5).map { _ in KadKey(peer: KadFixtures.peer(&rng)) } + [table.localKey]
        if let member = all.randomElement(using: &rng) { targets.append(member.key) }
        for target in targets {
            let count = Int.random(in: 1...40, using: &rng)
            let expected = all.sorted { $0.key.distance(to: target) < $1.key.distance(to: target) }.prefix(count)
            let closest = table.closest(to: target, count: count)
            #expect(closest.map(\.peer) == expected.map(\.peer), "seed \(seed)")
            #expect(closest == expected.map(\.info), "seed \(seed)")
            let excluded = Set(expected.prefix(2).map(\.peer))
            let expectedExcluding = all.filter { !excluded.contains($0.peer) }
                .sorted { $0.key.distance(to: target) < $1.key.distance(to: target) }.prefix(count)
            let closestExcluding = table.closest(to: target, count: count, excluding: excluded).map(\.peer)
            #expect(closestExcluding == expectedExcluding.map(\.peer), "seed \(seed)")
        }
        #expect(table.closest(to: table.localKey, count: 0).isEmpty)
    }
}
