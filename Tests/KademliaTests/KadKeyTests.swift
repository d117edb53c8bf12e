import Kademlia
import Libp2pCore
import TestSupport
import Testing
import Wire

@Suite struct KadKeyTests {
    /// Keys are SHA-256 of the key bytes (FIPS 180-2 examples); peers hash their binary peer ID.
    @Test func keysAreSHA256() throws {
        #expect(
            KadKey(hashing: []).description == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            KadKey(hashing: Array("abc".utf8)).bytes
                == (try Hex.decode("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")))
        let peer = try PeerID(base58: "12D3KooWCnyKigs6pV7Qjvi7F4LHVEzCVRFp3tRGKeMzCkGz5A3t")
        #expect(KadKey(peer: peer) == KadKey(hashing: peer.bytes))
        #expect(KadKey(digest: [1, 2, 3]) == nil)
        let digest = (0..<32).map { UInt8($0 * 7) }
        #expect(KadKey(digest: digest)?.bytes == digest)
    }

    static func bytewiseCPL(_ a: [UInt8], _ b: [UInt8]) -> Int {
        for i in 0..<256 where (a[i / 8] >> (7 - i % 8)) & 1 != (b[i / 8] >> (7 - i % 8)) & 1 { return i }
        return 256
    }

    static func randomKey(_ rng: inout SeededGenerator) -> KadKey {
        KadKey(digest: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })!
    }

    /// Distance, prefix length and ordering agree with a bytewise computation.
    @Test func distanceAgreesWithBytewiseXOR() {
        var rng = SeededGenerator.fromEnvironment("KadKey distance")
        for _ in 0..<2000 {
            let a = Self.randomKey(&rng)
            var b = Self.randomKey(&rng)
            // Share a random prefix so every prefix length occurs.
            let shared = Int.random(in: 0...256, using: &rng)
            var bBytes = b.bytes
            for i in 0..<shared {
                bBytes[i / 8] = (bBytes[i / 8] & ~(0x80 >> (i % 8))) | (a.bytes[i / 8] & (0x80 >> (i % 8)))
            }
            b = KadKey(digest: bBytes)!
            let c = Self.randomKey(&rng)
            #expect(a.commonPrefixLength(with: b) == Self.bytewiseCPL(a.bytes, b.bytes), "seed \(rng.seed)")
            #expect(a.commonPrefixLength(with: b) >= shared)
            #expect(a.distance(to: b) == b.distance(to: a))
            #expect(a.distance(to: a) == .zero && a.commonPrefixLength(with: a) == 256)
            let ab = zip(a.bytes, b.bytes).map { $0 ^ $1 }
            let ac = zip(a.bytes, c.bytes).map { $0 ^ $1 }
            #expect((a.distance(to: b) < a.distance(to: c)) == ab.lexicographicallyPrecedes(ac), "seed \(rng.seed)")
        }
    }

    /// A random key in bucket i has common prefix length exactly i with the local key.
    @Test func randomKeyInBucket() throws {
        var rng = SeededGenerator.fromEnvironment("KadKey random")
        let local = Self.randomKey(&rng)
        for bucket in 0..<256 {
            let random = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let key = try #require(KadKey.random(inBucket: bucket, of: local, randomBytes: random))
            #expect(key.commonPrefixLength(with: local) == bucket, "seed \(rng.seed)")
            // The bits after the flipped one come from the random bytes.
            #expect(zeroPrefix(key.bytes, bucket + 1) == zeroPrefix(random, bucket + 1))
        }
        #expect(KadKey.random(inBucket: 256, of: local, randomBytes: Array(repeating: 0, count: 32)) == nil)
        #expect(KadKey.random(inBucket: -1, of: local, randomBytes: Array(repeating: 0, count: 32)) == nil)
        #expect(KadKey.random(inBucket: 3, of: local, randomBytes: [1]) == nil)
    }

    func zeroPrefix(_ bytes: [UInt8], _ bits: Int) -> [UInt8] {
        var out = bytes
        for i in 0..<bits { out[i / 8] &= ~(0x80 >> (i % 8)) }
        return out
    }

    /// Refresh targets: peer-ID-shaped keys whose hash lands in the requested bucket.
    @Test func lookupKeyForBucket() throws {
        var rng = SeededGenerator.fromEnvironment("KadKey lookupKey")
        let local = Self.randomKey(&rng)
        for bucket in 0..<8 {
            let key = try #require(
                KadKey.lookupKey(forBucket: bucket, of: local) { n in
                    (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
                })
            #expect(KadKey(hashing: key).commonPrefixLength(with: local) == bucket)
            #expect((try? PeerID(multihashBytes: key)) != nil)
        }
        // Bucket 200 is out of reach in 100 attempts.
        #expect(
            KadKey.lookupKey(forBucket: 200, of: local, attempts: 100) { n in Array(repeating: 1, count: n) } == nil)
        #expect(KadKey.lookupKey(forBucket: 256, of: local) { n in Array(repeating: 1, count: n) } == nil)
    }
}
