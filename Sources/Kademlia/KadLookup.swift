import Libp2pCore

/// Parameters of an iterative lookup.
public struct KadLookupConfig: Sendable, Equatable {
    /// α: queries in flight at once (spec and go: 10; rust: 3).
    public var alpha: Int
    /// k: how many closest peers the lookup looks for (20).
    public var k: Int
    /// How long one query may take before its peer counts as failed (nanoseconds; go: 10 s).
    public var queryTimeout: UInt64
    /// The most candidates kept; the farthest ones not in flight are forgotten beyond it.
    public var maxCandidates: Int

    public init(alpha: Int = 10, k: Int = 20, queryTimeout: UInt64 = 10_000_000_000, maxCandidates: Int = 400) {
        self.alpha = max(1, alpha)
        self.k = max(1, k)
        self.queryTimeout = queryTimeout
        self.maxCandidates = max(self.k, maxCandidates)
    }
}

/// An iterative Kademlia lookup (FIND_NODE style) as a sans-IO state machine.
///
/// The caller seeds it with the routing table's closest peers, then loops: ``next(now:)`` hands out peers to query
/// (at most α in flight); for each, the caller sends the request and reports ``response(from:closerPeers:now:)`` or
/// ``failure(_:)``; a query unanswered after ``KadLookupConfig/queryTimeout`` fails at the next ``next(now:)`` (call
/// it again at ``nextDeadline``). Only the k closest candidates that have not failed are ever queried; the lookup is
/// finished when all of them answered, or when none is left to query or waiting. ``result`` is then the k closest
/// peers that answered, closest first.
public struct KadLookup: Sendable {
    /// What the lookup knows about a candidate.
    public enum PeerState: Equatable, Sendable {
        case notContacted
        /// Queried at `since`, no answer yet.
        case waiting(since: UInt64)
        case succeeded
        /// Failed, timed out, or could not be dialled.
        case failed
    }

    private struct Candidate: Sendable {
        var info: KadPeerInfo
        let distance: KadDistance
        var state: PeerState
    }

    public let target: KadKey
    public let config: KadLookupConfig
    private let localPeer: PeerID?
    /// Sorted by distance to the target, closest first.
    private var candidates: [Candidate] = []

    /// Starts a lookup for `target` from `seeds` (normally `RoutingTable.closest(to: target, count: k)`); `localPeer`
    /// is never queried, whoever lists it.
    public init(target: KadKey, seeds: [KadPeerInfo], localPeer: PeerID? = nil, config: KadLookupConfig = .init()) {
        self.target = target
        self.config = config
        self.localPeer = localPeer
        add(seeds)
    }

    /// Marks overdue queries failed and returns the peers to query now (marked as waiting since `now`).
    public mutating func next(now: UInt64) -> [KadPeerInfo] {
        for i in candidates.indices {
            if case .waiting(let since) = candidates[i].state, now >= since &+ config.queryTimeout || now < since {
                candidates[i].state = .failed
            }
        }
        var inFlight = candidates.count(where: { if case .waiting = $0.state { true } else { false } })
        var out: [KadPeerInfo] = []
        for i in closestLiveIndices() where inFlight < config.alpha && candidates[i].state == .notContacted {
            candidates[i].state = .waiting(since: now)
            out.append(candidates[i].info)
            inFlight += 1
        }
        return out
    }

    /// `peer` answered with `closerPeers`. A late answer from a peer that timed out still counts. Answers from peers
    /// that were never queried are ignored.
    public mutating func response(from peer: PeerID, closerPeers: [KadPeerInfo], now: UInt64) {
        guard let i = candidates.firstIndex(where: { $0.info.peer == peer }) else { return }
        switch candidates[i].state {
        case .waiting, .failed: candidates[i].state = .succeeded
        case .notContacted, .succeeded: return
        }
        add(closerPeers)
    }

    /// The query to `peer` failed (dial error, stream reset, malformed answer).
    public mutating func failure(_ peer: PeerID) {
        guard let i = candidates.firstIndex(where: { $0.info.peer == peer }) else { return }
        if case .waiting = candidates[i].state { candidates[i].state = .failed }
    }

    /// Whether the k closest candidates that have not failed all answered, or nothing is left to query or wait for.
    public var isFinished: Bool {
        closestLiveIndices().allSatisfy { candidates[$0].state == .succeeded }
    }

    /// The k closest peers that answered, closest first.
    public var result: [KadPeerInfo] {
        Array(candidates.lazy.filter { $0.state == .succeeded }.prefix(config.k).map(\.info))
    }

    /// When the earliest query in flight times out; `nil` when none is in flight.
    public var nextDeadline: UInt64? {
        candidates.compactMap { if case .waiting(let since) = $0.state { since &+ config.queryTimeout } else { nil } }
            .min()
    }

    /// The state of `peer`, `nil` when it is not a candidate.
    public func state(of peer: PeerID) -> PeerState? {
        candidates.first { $0.info.peer == peer }?.state
    }

    // MARK: - Internals

    /// Indices of the k closest candidates that have not failed.
    private func closestLiveIndices() -> [Int] {
        Array(candidates.indices.lazy.filter { candidates[$0].state != .failed }.prefix(config.k))
    }

    private mutating func add(_ peers: [KadPeerInfo]) {
        for info in peers where info.peer != localPeer {
            if let i = candidates.firstIndex(where: { $0.info.peer == info.peer }) {
                if candidates[i].info.addresses.isEmpty { candidates[i].info.addresses = info.addresses }
                continue
            }
            let distance = KadKey(peer: info.peer).distance(to: target)
            let position = candidates.partitioningIndex { $0.distance > distance }
            candidates.insert(Candidate(info: info, distance: distance, state: .notContacted), at: position)
        }
        // Forget the farthest candidates beyond the cap, never one in flight.
        var i = candidates.count - 1
        while candidates.count > config.maxCandidates && i >= 0 {
            if case .waiting = candidates[i].state {} else { candidates.remove(at: i) }
            i -= 1
        }
    }
}

extension Array {
    /// The first index whose element satisfies `predicate`, for a predicate that is false then true along the array.
    fileprivate func partitioningIndex(where predicate: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let mid = low + (high - low) / 2
            if predicate(self[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
