import Libp2pCore

/// One peer in the routing table.
public struct RoutingTableEntry: Equatable, Sendable {
    public let peer: PeerID
    /// SHA-256 of the peer ID.
    public let key: KadKey
    /// Kept addresses (filtered, deduplicated, at most ``RoutingTableConfig/maxAddressesPerPeer``), in the order given.
    public internal(set) var addresses: [Multiaddr]
    /// The last time (caller's `now`, nanoseconds) the peer was observed or answered a liveness check.
    public internal(set) var lastSeen: UInt64
    /// The IP groups of `addresses`.
    var groups: Set<IPGroup>

    /// The peer and its addresses.
    public var info: KadPeerInfo { KadPeerInfo(peer: peer, addresses: addresses) }
}

/// What ``RoutingTable/observe(_:addresses:now:)`` did with a peer.
public enum RoutingTableUpdate: Equatable, Sendable {
    /// The peer was in the table: its addresses (when some were given and the diversity caps allow them) and
    /// `lastSeen` were refreshed, and it became the bucket's most recently seen entry.
    case updated
    /// The peer was added.
    case added
    /// The bucket is full. The caller should check `oldest` (the least recently seen entry, e.g. with a FIND_NODE or
    /// ping) and report with ``RoutingTable/livenessResult(_:alive:now:)``; `pending` waits in the replacement cache
    /// and takes the slot if `oldest` is dead.
    case checkLiveness(oldest: KadPeerInfo, pending: PeerID)
    /// The bucket is full and already has a liveness check under way: the peer waits in the replacement cache (when
    /// ``RoutingTableConfig/replacementCacheSize`` is 0 it is dropped).
    case cached
    /// The peer was not added.
    case rejected(RoutingTableRejection)
}

/// Why a peer was not added to the routing table.
public enum RoutingTableRejection: Equatable, Sendable {
    /// The peer is this node.
    case localPeer
    /// No address passed the address filter.
    case noAddresses
    /// Adding it would exceed an ``IPDiversityLimits`` cap.
    case diversity(IPGroup)
}

/// The Kademlia routing table: 256 buckets of at most k peers, bucket i holding the peers whose key shares exactly i
/// leading bits with the local key (sans-IO: `now` is passed in, liveness checks are handed to the caller).
///
/// Each bucket lists its entries least recently seen first. When a full bucket meets a new peer, the newcomer goes to
/// the bucket's bounded replacement cache and the least recently seen entry becomes a liveness-check candidate
/// (``RoutingTableUpdate/checkLiveness(oldest:pending:)``); one check per bucket is under way at a time. A dead
/// entry, or one removed with ``remove(_:)``, is replaced by the most recent cached peer that the diversity caps
/// allow. Table size ≤ 256 × k, caches ≤ 256 × ``RoutingTableConfig/replacementCacheSize``.
public struct RoutingTable: Sendable {
    public let localPeer: PeerID
    public let localKey: KadKey
    public let config: RoutingTableConfig

    private struct Bucket: Sendable {
        var entries: [RoutingTableEntry] = []
        /// Most recent last.
        var replacements: [RoutingTableEntry] = []
        var check: (oldest: PeerID, startedAt: UInt64)?
    }

    private var buckets: [Bucket]
    private var bucketOf: [PeerID: Int] = [:]
    private var groupCounts: [IPGroup: Int] = [:]

    public init(localPeer: PeerID, config: RoutingTableConfig = RoutingTableConfig()) {
        self.localPeer = localPeer
        self.localKey = KadKey(peer: localPeer)
        self.config = config
        self.buckets = Array(repeating: Bucket(), count: KadKey.bitCount)
    }

    /// The number of peers in the table.
    public var count: Int { bucketOf.count }

    /// Whether `peer` is in the table (not counting replacement caches).
    public func contains(_ peer: PeerID) -> Bool { bucketOf[peer] != nil }

    /// The table's entry for `peer`.
    public func entry(for peer: PeerID) -> RoutingTableEntry? {
        guard let index = bucketOf[peer] else { return nil }
        return buckets[index].entries.first { $0.peer == peer }
    }

    /// The bucket a key belongs to: its common prefix length with the local key, or `nil` for the local key itself.
    public func bucketIndex(for key: KadKey) -> Int? {
        let cpl = localKey.commonPrefixLength(with: key)
        return cpl < KadKey.bitCount ? cpl : nil
    }

    /// The entries of bucket `index` (0...255), least recently seen first.
    public func bucket(_ index: Int) -> [RoutingTableEntry] {
        buckets.indices.contains(index) ? buckets[index].entries : []
    }

    /// The replacement cache of bucket `index`, most recently seen last.
    public func replacements(inBucket index: Int) -> [KadPeerInfo] {
        buckets.indices.contains(index) ? buckets[index].replacements.map(\.info) : []
    }

    /// Every entry, bucket 0 first.
    public var entries: [RoutingTableEntry] { buckets.flatMap(\.entries) }

    // MARK: - Updates

    /// Records that `peer` was seen as a DHT server at `now` with `addresses` (in preference order). See
    /// ``RoutingTableUpdate`` for the outcomes. A known peer given no usable addresses keeps its old ones.
    @discardableResult
    public mutating func observe(_ peer: PeerID, addresses: [Multiaddr], now: UInt64) -> RoutingTableUpdate {
        observe(peer, addresses: addresses, now: now, startingChecks: true)
    }

    /// ``observe(_:addresses:now:)``; with `startingChecks` false a full bucket only caches the newcomer.
    mutating func observe(
        _ peer: PeerID, addresses: [Multiaddr], now: UInt64, startingChecks: Bool
    ) -> RoutingTableUpdate {
        guard peer != localPeer else { return .rejected(.localPeer) }
        var kept: [Multiaddr] = []
        for address in addresses where config.addressFilter(address) && !kept.contains(address) {
            kept.append(address)
            if kept.count == config.maxAddressesPerPeer { break }
        }
        let groups = Set(kept.compactMap(IPGroup.init))
        let key = KadKey(peer: peer)
        guard let index = bucketIndex(for: key) else { return .rejected(.localPeer) }

        if let position = buckets[index].entries.firstIndex(where: { $0.peer == peer }) {
            let old = buckets[index].entries[position]
            let replace =
                !kept.isEmpty && kept != old.addresses
                && diversityViolation(groups, bucket: index, ignoring: old) == nil
            var entry = buckets[index].entries.remove(at: position)
            if replace {
                setGroups(of: &entry, to: groups)
                entry.addresses = kept
            }
            entry.lastSeen = now
            buckets[index].entries.append(entry)
            if buckets[index].check?.oldest == peer { buckets[index].check = nil }
            return .updated
        }

        guard !kept.isEmpty else { return .rejected(.noAddresses) }
        if let group = diversityViolation(groups, bucket: index, ignoring: nil) { return .rejected(.diversity(group)) }
        let entry = RoutingTableEntry(peer: peer, key: key, addresses: kept, lastSeen: now, groups: groups)
        buckets[index].replacements.removeAll { $0.peer == peer }
        if buckets[index].entries.count < config.bucketSize {
            insert(entry, bucket: index)
            return .added
        }
        if config.replacementCacheSize > 0 {
            buckets[index].replacements.append(entry)
            if buckets[index].replacements.count > config.replacementCacheSize {
                buckets[index].replacements.removeFirst()
            }
        }
        guard startingChecks else { return .cached }
        if let check = buckets[index].check, now < check.startedAt &+ config.livenessCheckTimeout,
            now >= check.startedAt
        {
            return .cached
        }
        let oldest = buckets[index].entries[0]
        buckets[index].check = (oldest.peer, now)
        return .checkLiveness(oldest: oldest.info, pending: peer)
    }

    /// The answer to a ``RoutingTableUpdate/checkLiveness(oldest:pending:)``: an alive peer becomes its bucket's most
    /// recently seen entry; a dead one is removed and replaced from the cache. Reports for peers without a check
    /// under way are ignored. Returns the peer promoted into the table, if any.
    @discardableResult
    public mutating func livenessResult(_ peer: PeerID, alive: Bool, now: UInt64) -> KadPeerInfo? {
        guard let index = bucketOf[peer], buckets[index].check?.oldest == peer else { return nil }
        buckets[index].check = nil
        guard let position = buckets[index].entries.firstIndex(where: { $0.peer == peer }) else { return nil }
        if alive {
            var entry = buckets[index].entries.remove(at: position)
            entry.lastSeen = now
            buckets[index].entries.append(entry)
            return nil
        }
        removeEntry(at: position, bucket: index)
        return promoteReplacement(bucket: index)
    }

    /// Removes `peer` from the table and from the replacement caches; a freed slot is refilled from the cache.
    /// Returns whether the peer was in the table.
    @discardableResult
    public mutating func remove(_ peer: PeerID) -> Bool {
        guard let index = bucketIndex(for: KadKey(peer: peer)) else { return false }
        buckets[index].replacements.removeAll { $0.peer == peer }
        guard let position = buckets[index].entries.firstIndex(where: { $0.peer == peer }) else { return false }
        if buckets[index].check?.oldest == peer { buckets[index].check = nil }
        removeEntry(at: position, bucket: index)
        promoteReplacement(bucket: index)
        return true
    }

    // MARK: - Queries

    /// Up to `count` peers closest to `target` by XOR distance, closest first, leaving out `excluded` (e.g. the
    /// requester of a FIND_NODE).
    ///
    /// Buckets are visited in distance order without scanning the table: with t the common prefix length of the
    /// target and the local key, bucket t holds the closest peers, then buckets t+1...255 together, then buckets t-1,
    /// t-2, …, 0 — every peer of a group is closer than every peer of a later group.
    public func closest(to target: KadKey, count: Int, excluding excluded: Set<PeerID> = []) -> [KadPeerInfo] {
        guard count > 0 else { return [] }
        let t = localKey.commonPrefixLength(with: target)
        var groups: [Range<Int>] = []
        if t < KadKey.bitCount {
            groups.append(t..<(t + 1))
            groups.append((t + 1)..<KadKey.bitCount)
        }
        for i in stride(from: min(t, KadKey.bitCount) - 1, through: 0, by: -1) { groups.append(i..<(i + 1)) }
        // Positions rather than entry copies; one excluded peer (the usual requester) is compared, not hashed.
        var found: [(distance: KadDistance, bucket: Int, index: Int)] = []
        found.reserveCapacity(count + config.bucketSize)
        let single = excluded.count == 1 ? excluded.first : nil
        for group in groups {
            for bucket in group {
                let entries = buckets[bucket].entries
                for index in entries.indices {
                    if let single {
                        if entries[index].peer == single { continue }
                    } else if !excluded.isEmpty && excluded.contains(entries[index].peer) {
                        continue
                    }
                    found.append((entries[index].key.distance(to: target), bucket, index))
                }
            }
            if found.count >= count { break }
        }
        found.sort { $0.distance < $1.distance }
        return found.prefix(count).map { position in
            let entry = buckets[position.bucket].entries[position.index]
            return KadPeerInfo(peer: entry.peer, addresses: entry.addresses)
        }
    }

    // MARK: - Internals

    /// The first group whose cap adding `groups` to `bucket` would exceed, not counting `ignoring` (an entry being
    /// updated); `nil` when the caps allow it or are disabled.
    private func diversityViolation(_ groups: Set<IPGroup>, bucket: Int, ignoring: RoutingTableEntry?) -> IPGroup? {
        let limits = config.diversity
        guard limits.isEnabled else { return nil }
        for group in groups.sorted(by: { $0.bytes.lexicographicallyPrecedes($1.bytes) }) {
            let own = ignoring?.groups.contains(group) == true ? 1 : 0
            if groupCounts[group, default: 0] - own >= limits.maxPerGroupInTable { return group }
            let inBucket = buckets[bucket].entries.count(where: { $0.groups.contains(group) }) - own
            if inBucket >= limits.maxPerGroupPerBucket { return group }
        }
        return nil
    }

    private mutating func insert(_ entry: RoutingTableEntry, bucket: Int) {
        buckets[bucket].entries.append(entry)
        bucketOf[entry.peer] = bucket
        for group in entry.groups { groupCounts[group, default: 0] += 1 }
    }

    private mutating func removeEntry(at position: Int, bucket: Int) {
        let entry = buckets[bucket].entries.remove(at: position)
        bucketOf[entry.peer] = nil
        for group in entry.groups { decrement(group) }
    }

    private mutating func setGroups(of entry: inout RoutingTableEntry, to groups: Set<IPGroup>) {
        for group in entry.groups { decrement(group) }
        for group in groups { groupCounts[group, default: 0] += 1 }
        entry.groups = groups
    }

    private mutating func decrement(_ group: IPGroup) {
        let remaining = groupCounts[group, default: 0] - 1
        groupCounts[group] = remaining > 0 ? remaining : nil
    }

    /// Moves the most recent cached peer that the diversity caps allow into `bucket`, if there is room.
    @discardableResult
    private mutating func promoteReplacement(bucket: Int) -> KadPeerInfo? {
        guard buckets[bucket].entries.count < config.bucketSize else { return nil }
        for position in buckets[bucket].replacements.indices.reversed() {
            let candidate = buckets[bucket].replacements[position]
            if diversityViolation(candidate.groups, bucket: bucket, ignoring: nil) == nil {
                buckets[bucket].replacements.remove(at: position)
                insert(candidate, bucket: bucket)
                return candidate.info
            }
        }
        return nil
    }
}
