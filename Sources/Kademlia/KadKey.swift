import Crypto
import Libp2pCore

/// A point in the Kademlia keyspace: SHA-256 of a key's bytes (of the binary peer ID for peers), as go, rust and
/// the spec define it. Stored as four big-endian 64-bit words so XOR, comparison and prefix length are cheap.
public struct KadKey: Hashable, Sendable, CustomStringConvertible {
    /// The number of bits in a key.
    public static let bitCount = 256

    /// The words, most significant first (word 0 holds bytes 0...7 of the digest).
    let words: (UInt64, UInt64, UInt64, UInt64)

    init(words: (UInt64, UInt64, UInt64, UInt64)) {
        self.words = words
    }

    /// The key of arbitrary key bytes (a record key, a provider multihash, a FIND_NODE target): SHA-256 of them.
    public init(hashing bytes: [UInt8]) {
        self.init(words: Self.words(SHA256.hash(bytes)))
    }

    /// The key of a peer: SHA-256 of its binary peer ID.
    public init(peer: PeerID) {
        self.init(hashing: peer.bytes)
    }

    /// Wraps a 32-byte digest as it is (no hashing); `nil` for any other length.
    public init?(digest: [UInt8]) {
        guard digest.count == 32 else { return nil }
        self.init(words: Self.words(digest))
    }

    /// The big-endian words of a 32-byte digest (missing bytes read as 0).
    private static func words(_ digest: [UInt8]) -> (UInt64, UInt64, UInt64, UInt64) {
        func word(_ i: Int) -> UInt64 {
            var w: UInt64 = 0
            for j in (i * 8)..<(i * 8 + 8) { w = w << 8 | UInt64(j < digest.count ? digest[j] : 0) }
            return w
        }
        return (word(0), word(1), word(2), word(3))
    }

    /// The 32 digest bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for w in [words.0, words.1, words.2, words.3] {
            for shift in stride(from: 56, through: 0, by: -8) {
                out.append(UInt8(truncatingIfNeeded: w >> UInt64(shift)))
            }
        }
        return out
    }

    /// Lower-case hex of the digest.
    public var description: String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// The XOR distance to `other`.
    public func distance(to other: KadKey) -> KadDistance {
        KadDistance(
            words: (words.0 ^ other.words.0, words.1 ^ other.words.1, words.2 ^ other.words.2, words.3 ^ other.words.3))
    }

    /// The number of leading bits this key shares with `other` (0...256; 256 only for equal keys).
    public func commonPrefixLength(with other: KadKey) -> Int {
        distance(to: other).leadingZeroBitCount
    }

    /// The bit at `index` (0 = most significant).
    func bit(_ index: Int) -> Bool {
        let word = [words.0, words.1, words.2, words.3][index / 64]
        return (word >> UInt64(63 - index % 64)) & 1 == 1
    }

    /// A key at common prefix length exactly `commonPrefixLength` from `local`: the first `commonPrefixLength` bits
    /// of `local`, then the opposite of `local`'s next bit, then the bits of `randomBytes` (32 bytes, e.g. from the
    /// node's random source). This is the target region of routing-table bucket `commonPrefixLength`; `nil` unless
    /// `commonPrefixLength` is in 0...255 and `randomBytes` has 32 bytes.
    ///
    /// A FIND_NODE for such a key needs a key *preimage*; see ``lookupKey(forBucket:of:attempts:random:)``.
    public static func random(inBucket commonPrefixLength: Int, of local: KadKey, randomBytes: [UInt8]) -> KadKey? {
        guard (0..<bitCount).contains(commonPrefixLength), let random = KadKey(digest: randomBytes) else { return nil }
        // mask: ones over the first `commonPrefixLength + 1` bits.
        var mask = [UInt64](repeating: 0, count: 4)
        for i in 0...commonPrefixLength { mask[i / 64] |= 1 << UInt64(63 - i % 64) }
        var flip = [UInt64](repeating: 0, count: 4)
        flip[commonPrefixLength / 64] = 1 << UInt64(63 - commonPrefixLength % 64)
        let l = [local.words.0, local.words.1, local.words.2, local.words.3]
        let r = [random.words.0, random.words.1, random.words.2, random.words.3]
        let w = (0..<4).map { ((l[$0] ^ flip[$0]) & mask[$0]) | (r[$0] & ~mask[$0]) }
        return KadKey(words: (w[0], w[1], w[2], w[3]))
    }

    /// A FIND_NODE key (the bytes sent on the wire) whose ``KadKey`` falls in routing-table bucket `bucket` of
    /// `local`, for bucket refreshes. Candidates are sha2-256 multihashes (`12 20` + 32 bytes from `random`, shaped
    /// like a peer ID, which every implementation accepts as a target); about 2^(bucket+1) candidates are hashed on
    /// average, so only low buckets are practical. Returns `nil` after `attempts` misses.
    public static func lookupKey(
        forBucket bucket: Int, of local: KadKey, attempts: Int = 1 << 20, random: (Int) -> [UInt8]
    ) -> [UInt8]? {
        guard (0..<bitCount).contains(bucket) else { return nil }
        for _ in 0..<max(0, attempts) {
            let digest = random(32)
            guard digest.count == 32 else { return nil }
            let candidate = [0x12, 0x20] + digest
            if KadKey(hashing: candidate).commonPrefixLength(with: local) == bucket { return candidate }
        }
        return nil
    }
}

/// The XOR distance between two keys, ordered as a 256-bit unsigned integer.
public struct KadDistance: Hashable, Sendable, Comparable {
    let words: (UInt64, UInt64, UInt64, UInt64)

    /// The distance 0 (a key to itself).
    public static let zero = KadDistance(words: (0, 0, 0, 0))

    /// The number of leading zero bits (0...256), i.e. the common prefix length of the two keys.
    public var leadingZeroBitCount: Int {
        if words.0 != 0 { return words.0.leadingZeroBitCount }
        if words.1 != 0 { return 64 + words.1.leadingZeroBitCount }
        if words.2 != 0 { return 128 + words.2.leadingZeroBitCount }
        return 192 + words.3.leadingZeroBitCount
    }

    public static func < (lhs: KadDistance, rhs: KadDistance) -> Bool {
        if lhs.words.0 != rhs.words.0 { return lhs.words.0 < rhs.words.0 }
        if lhs.words.1 != rhs.words.1 { return lhs.words.1 < rhs.words.1 }
        if lhs.words.2 != rhs.words.2 { return lhs.words.2 < rhs.words.2 }
        return lhs.words.3 < rhs.words.3
    }

    public static func == (lhs: KadDistance, rhs: KadDistance) -> Bool {
        lhs.words == rhs.words
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}

extension KadKey {
    public static func == (lhs: KadKey, rhs: KadKey) -> Bool {
        lhs.words == rhs.words
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
