import Kademlia
import Libp2pCore
import TestSupport
import Testing
import Wire

@Suite struct RoutingTableSnapshotTests {
    /// A file around `body`, written from the documented layout (not with the encoder).
    static func frame(_ body: [UInt8], version: UInt16 = 1, flags: UInt16 = 0) -> [UInt8] {
        var out = Array("wkad".utf8)
        out.appendUInt16BE(version)
        out.appendUInt16BE(flags)
        out.appendUInt32BE(UInt32(body.count))
        out += body
        out.appendUInt32BE(CRC32.checksum(out))
        return out
    }

    static func section(_ tag: UInt64, _ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.appendUVarint(tag)
        out.appendLengthPrefixed(payload)
        return out
    }

    /// One table entry in the documented layout.
    static func entry(_ id: [UInt8], lastSeen: UInt64, addresses: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        out.appendLengthPrefixed(id)
        out.appendUInt64BE(lastSeen)
        out.appendUVarint(UInt64(addresses.count))
        for address in addresses { out.appendLengthPrefixed(address) }
        return out
    }

    static func randomTable(_ rng: inout SeededGenerator, peers: Int) -> RoutingTable {
        var table = RoutingTable(localPeer: KadFixtures.peer(&rng))
        for i in 0..<peers {
            let addresses = (0..<Int.random(in: 1...3, using: &rng)).map { a in
                KadFixtures.ip4(UInt8(20 + i / 256), UInt8(i % 256), UInt8(a), 1, port: 4001 + a)
            }
            table.observe(KadFixtures.peer(&rng), addresses: addresses, now: UInt64(i) * 1000)
        }
        return table
    }

    @Test func layoutMatchesTheDocumentation() throws {
        let peer = try PeerID(base58: "12D3KooWCnyKigs6pV7Qjvi7F4LHVEzCVRFp3tRGKeMzCkGz5A3t")
        let address = KadFixtures.ip4(203, 0, 113, 5)
        let snapshot = RoutingTableSnapshot(entries: [.init(peer: peer, addresses: [address], lastSeen: 0x0102)])
        let expected = Self.frame(
            Self.section(1, [0x01] + Self.entry(peer.bytes, lastSeen: 0x0102, addresses: [address.bytes])))
        #expect(snapshot.encode() == expected)
        #expect(try RoutingTableSnapshot(bytes: expected) == snapshot)
        #expect(RoutingTableSnapshot().encode() == Self.frame([0x01, 0x01, 0x00]))
        #expect(try RoutingTableSnapshot(bytes: Self.frame([])) == RoutingTableSnapshot())
    }

    /// Full-mode sections (provider and value records) round-trip, and every truncation of such a file errors.
    @Test func providerAndValueSectionsRoundTrip() throws {
        var rng = SeededGenerator(seed: 7)
        var snapshot = Self.randomTable(&rng, peers: 30).snapshot()
        snapshot.providers = (0..<5).map { i in
            RoutingTableSnapshot.Provider(
                key: [UInt8](repeating: UInt8(i), count: 34),
                provider: KadPeerInfo(peer: KadFixtures.peer(&rng), addresses: [KadFixtures.ip4(9, 9, 9, UInt8(i))]),
                expires: UInt64(1_000 + i))
        }
        snapshot.values = [KadMessage.Record(key: Array("/pk/x".utf8), value: [1, 2, 3])]
        let bytes = snapshot.encode()
        #expect(try RoutingTableSnapshot(bytes: bytes) == snapshot)
        for length in 0..<bytes.count {
            #expect(throws: RoutingTableSnapshotError.self) {
                try RoutingTableSnapshot(bytes: Array(bytes.prefix(length)))
            }
        }
        #expect(throws: RoutingTableSnapshotError.tooManyEntries(limit: 4)) {
            try RoutingTableSnapshot(bytes: bytes, limits: RoutingTableSnapshotLimits(maxRecords: 4))
        }
    }

    @Test func roundTripAndRestore() throws {
        var rng = SeededGenerator.fromEnvironment("Snapshot round trip")
        let table = Self.randomTable(&rng, peers: 400)
        let snapshot = table.snapshot()
        #expect(snapshot.entries.count == table.count && table.count > 60)  // ~100 expected: 4 full buckets + a tail
        let bytes = snapshot.encode()
        #expect(try RoutingTableSnapshot(bytes: bytes) == snapshot)
        // Restored into a fresh table with the same identity: same buckets in the same order, stamped `now`.
        var restored = RoutingTable(localPeer: table.localPeer)
        #expect(restored.restore(try RoutingTableSnapshot(bytes: bytes), now: 7) == table.count)
        for index in 0..<256 {
            #expect(restored.bucket(index).map(\.peer) == table.bucket(index).map(\.peer), "seed \(rng.seed)")
            #expect(restored.bucket(index).map(\.addresses) == table.bucket(index).map(\.addresses))
            #expect(restored.bucket(index).allSatisfy { $0.lastSeen == 7 })
        }
        // The snapshot's order does not matter: lastSeen does.
        var shuffled = snapshot
        shuffled.entries.shuffle(using: &rng)
        var fromShuffled = RoutingTable(localPeer: table.localPeer)
        fromShuffled.restore(shuffled, now: 7)
        #expect((0..<256).allSatisfy { fromShuffled.bucket($0).map(\.peer) == table.bucket($0).map(\.peer) })
    }

    /// Restoring into smaller buckets caches the overflow and starts no liveness check; filters still apply.
    @Test func restoreStartsNoLivenessChecks() throws {
        var rng = SeededGenerator.fromEnvironment("Snapshot restore")
        let local = KadFixtures.peer(&rng)
        let probe = RoutingTable(localPeer: local)
        let peers = (0..<4).map { _ in KadFixtures.peer(inBucket: 0, of: probe, &rng) }
        var snapshot = RoutingTableSnapshot(
            entries: peers.enumerated().map { i, peer in
                .init(peer: peer, addresses: [KadFixtures.ip4(30, UInt8(i), 0, 1)], lastSeen: UInt64(10 - i))
            })
        snapshot.entries.append(
            .init(peer: KadFixtures.peer(&rng), addresses: [try Multiaddr("/ip4/10.0.0.1/tcp/1")], lastSeen: 0))
        var small = RoutingTable(localPeer: local, config: RoutingTableConfig(bucketSize: 2))
        #expect(small.restore(snapshot, now: 100) == 2)
        // Oldest lastSeen first: peers[3] (7) and peers[2] (8) fill the bucket; the others wait in the cache.
        #expect(small.bucket(0).map(\.peer) == [peers[3], peers[2]])
        #expect(small.replacements(inBucket: 0).map(\.peer) == [peers[1], peers[0]])
        // The next newcomer gets the first liveness check.
        let newcomer = KadFixtures.peer(inBucket: 0, of: probe, &rng)
        let update = small.observe(newcomer, addresses: [KadFixtures.ip4(31, 0, 0, 1)], now: 101)
        #expect(update == .checkLiveness(oldest: small.bucket(0)[0].info, pending: newcomer))
    }

    @Test func damagedFilesAreTypedErrors() throws {
        var rng = SeededGenerator.fromEnvironment("Snapshot errors")
        let bytes = Self.randomTable(&rng, peers: 30).snapshot().encode()
        // Every truncation.
        for length in 0..<bytes.count {
            #expect(throws: RoutingTableSnapshotError.truncated) {
                try RoutingTableSnapshot(bytes: Array(bytes.prefix(length)))
            }
        }
        #expect(throws: RoutingTableSnapshotError.trailingBytes) { try RoutingTableSnapshot(bytes: bytes + [0]) }
        #expect(throws: RoutingTableSnapshotError.tooLarge(limit: 100)) {
            try RoutingTableSnapshot(bytes: bytes, limits: RoutingTableSnapshotLimits(maxBytes: 100))
        }
        var wrongMagic = bytes
        wrongMagic[0] = UInt8(ascii: "W")
        #expect(throws: RoutingTableSnapshotError.badMagic) { try RoutingTableSnapshot(bytes: wrongMagic) }
        #expect(throws: RoutingTableSnapshotError.unsupportedVersion(2)) {
            try RoutingTableSnapshot(bytes: Self.frame([], version: 2))
        }
        #expect(throws: RoutingTableSnapshotError.unsupportedFlags(1)) {
            try RoutingTableSnapshot(bytes: Self.frame([], flags: 1))
        }
        var flipped = bytes
        flipped[40] ^= 0x01
        #expect(throws: RoutingTableSnapshotError.checksumMismatch) { try RoutingTableSnapshot(bytes: flipped) }
        var badCRC = bytes
        badCRC[badCRC.count - 1] ^= 0x80
        #expect(throws: RoutingTableSnapshotError.checksumMismatch) { try RoutingTableSnapshot(bytes: badCRC) }
    }

    /// Bodies with a valid CRC but bad contents (what a buggy writer or a newer version could produce).
    @Test func invalidContentsAreTypedErrors() throws {
        let id = [0x12, 0x20] + [UInt8](repeating: 3, count: 32)
        let address = KadFixtures.ip4(1, 2, 3, 4).bytes
        let good = Self.entry(id, lastSeen: 1, addresses: [address])
        let cases: [([UInt8], RoutingTableSnapshotError)] = [
            (Self.section(1, [0x01] + Self.entry([1, 2, 3], lastSeen: 1, addresses: [])), .invalidPeerID),
            (Self.section(1, [0x01] + Self.entry(id, lastSeen: 1, addresses: [[0xFF, 0x01]])), .invalidAddress),
            (Self.section(1, [0x02] + good + good), .duplicatePeer),
            (Self.section(1, [0x01] + good + [0x00]), .trailingBytes),
            (Self.section(1, [0x02] + good), .malformed(.truncated)),
            (Self.section(1, [0x01]) + Self.section(1, [0x00]), .malformed(.truncated)),
            (Self.section(1, [0x00]) + Self.section(1, [0x00]), .duplicateSection(tag: 1)),
            (Self.section(1, [0x81, 0x00]), .malformed(.nonMinimalVarint)),
            ([0x01, 0x05, 0x00], .malformed(.truncated)),
        ]
        for (body, error) in cases {
            #expect(throws: error) { try RoutingTableSnapshot(bytes: Self.frame(body)) }
        }
        #expect(throws: RoutingTableSnapshotError.tooManyEntries(limit: 1)) {
            try RoutingTableSnapshot(
                bytes: Self.frame(Self.section(1, [0x02] + good)), limits: RoutingTableSnapshotLimits(maxEntries: 1))
        }
        #expect(throws: RoutingTableSnapshotError.tooManyAddresses(limit: 1)) {
            try RoutingTableSnapshot(
                bytes: Self.frame(
                    Self.section(1, [0x01] + Self.entry(id, lastSeen: 1, addresses: [address, address]))),
                limits: RoutingTableSnapshotLimits(maxAddressesPerEntry: 1))
        }
        // Unknown sections (from a newer version) are skipped, before and after the table.
        let withFuture = Self.section(4, [9, 9, 9]) + Self.section(1, [0x01] + good) + Self.section(300, [])
        let decoded = try RoutingTableSnapshot(bytes: Self.frame(withFuture))
        #expect(decoded.entries.map(\.peer.bytes) == [id])
    }

    /// Random byte flips (with and without a fixed-up CRC) throw or decode to a value that round-trips.
    @Test func randomFlipsNeverTrap() {
        var rng = SeededGenerator.fromEnvironment("Snapshot flips")
        let bytes = Self.randomTable(&rng, peers: 20).snapshot().encode()
        var decodedCount = 0
        for i in 0..<3000 {
            var damaged = bytes
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                damaged[Int.random(in: 0..<damaged.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if i % 2 == 0 {
                // Recompute the CRC so the body validation is exercised.
                damaged = Array(damaged.dropLast(4))
                damaged.appendUInt32BE(CRC32.checksum(damaged))
            }
            guard let snapshot = try? RoutingTableSnapshot(bytes: damaged) else { continue }
            decodedCount += 1
            #expect((try? RoutingTableSnapshot(bytes: snapshot.encode())) == snapshot, "seed \(rng.seed)")
            if i % 2 == 1 { #expect(damaged == bytes, "a damaged file passed the CRC, seed \(rng.seed)") }
        }
        // Flips in lastSeen or address bytes with a fixed-up CRC still decode: the check above ran.
        #expect(decodedCount > 0)
    }
}
