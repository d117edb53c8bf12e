import Crypto
import Kademlia
import Libp2pCore
import Limits
import Node
import WaystoneRuntime
import Wire

#if canImport(Glibc)
    import Glibc
#endif

/// The Kademlia DHT service on a ``Libp2pHost`` (the libp2p role): answers `/ipfs/kad/1.0.0` requests (``KadServer``), keeps the routing
/// table fed with verified DHT servers, joins the network through `kademlia.bootstrapPeers` with a self-lookup and
/// bucket refreshes, and saves the table to the data directory so a restart is warm.
///
/// A peer enters the table only after it advertised the DHT protocol in identify (or answered one of our lookups, or
/// came from the snapshot) and then answered a FIND_NODE of ours: DHT clients never do.
final class KademliaService: Libp2pService {
    /// Largest request read on a DHT stream (FIND_NODE is ~40 bytes, a /pk/ PUT_VALUE of an RSA-8192 key ~1.2 KiB).
    static let maxRequestBytes = 16 * 1024
    /// Largest response read (go does not trim answers to rust's 16 KiB).
    static let maxResponseBytes = 64 * 1024
    static let snapshotFileName = "kademlia.snapshot"
    /// Largest snapshot read at start (a full table is ~0.5 MiB; 100,000 provider records ~12 MiB).
    static let maxSnapshotBytes = 64 * 1024 * 1024
    /// Buckets refreshed with a random key (go refreshes common prefix lengths up to 15: higher ones need ~2^cpl
    /// hashes to find a key).
    static let maxRefreshedBucket = 15

    struct StartError: Error, CustomStringConvertible {
        let description: String
    }

    let protocols: [String]
    /// `kademlia.bootstrapPeers`, parsed.
    let bootstrapPeers: [(peer: PeerID, address: Multiaddr)]
    var protocolID: String { protocols[0] }
    weak var host: (any Libp2pHost)?
    var server: KadServer
    let config: WaystoneConfig.KademliaSection
    let metrics: KademliaMetrics
    let log: (String, [(String, String)]) -> Void
    let snapshotPath: String
    let queryTimeout: UInt64
    var requestRate: PerIPRateLimiter

    struct StreamKey: Hashable {
        let session: ObjectIdentifier
        let id: UInt32
    }

    struct InboundStream {
        let peer: PeerID
        var framer = LengthPrefixedFramer(maxFrameSize: KademliaService.maxRequestBytes)
    }

    final class Query {
        let peer: PeerID
        let session: Libp2pSession
        var framer = LengthPrefixedFramer(maxFrameSize: KademliaService.maxResponseBytes)
        var timer: TimerHandle?
        let completion: (QueryResult) -> Void

        init(peer: PeerID, session: Libp2pSession, completion: @escaping (QueryResult) -> Void) {
            self.peer = peer
            self.session = session
            self.completion = completion
        }
    }

    /// Inbound DHT streams by connection, then stream ID (a closing connection drops its own only).
    var inbound: [ObjectIdentifier: [UInt32: InboundStream]] = [:]
    var inboundPerPeer: [PeerID: Int] = [:]
    var queries: [StreamKey: Query] = [:]
    /// Bytes held in stream buffers per connection (the role counts them against its memory limits).
    var buffered: [ObjectIdentifier: Int] = [:]
    /// Peers being checked with a FIND_NODE before they enter the table.
    var verifying: Set<PeerID> = []
    var timers: [Int: TimerHandle] = [:]
    var isStopped = false
    var refreshing = false
    /// The host's monotonic clock (0 before `start`).
    var now: UInt64 { host?.nowNanoseconds ?? 0 }

    init(
        config: WaystoneConfig.KademliaSection, dataDir: String, allowPrivateAddresses: Bool, localPeer: PeerID,
        metrics: KademliaMetrics, log: @escaping (String, [(String, String)]) -> Void
    ) throws(StartError) {
        var peers: [(PeerID, Multiaddr)] = []
        for text in config.bootstrapPeers {
            guard let multiaddr = try? Multiaddr(text), case (let transport?, let peer?) = multiaddr.decapsulateP2P(),
                transport.ipAddress != nil, transport.tcpPort != nil
            else {
                throw StartError(
                    description: "kademlia.bootstrapPeers: \(text) is not an /ip4|ip6/…/tcp/…/p2p/<peer ID> address")
            }
            guard allowPrivateAddresses || transport.isPublic else {
                throw StartError(
                    description:
                        "kademlia.bootstrapPeers: \(text) is not a public address (set libp2p.allowPrivateAddresses to dial it)"
                )
            }
            peers.append((peer, transport))
        }
        bootstrapPeers = peers
        protocols = [config.protocolID]
        self.config = config
        self.metrics = metrics
        self.log = log
        snapshotPath = dataDir + "/" + Self.snapshotFileName
        queryTimeout = UInt64(config.queryTimeoutSeconds) * 1_000_000_000
        let allowAll = allowPrivateAddresses
        let filter: @Sendable (Multiaddr) -> Bool = { allowAll || $0.isPublic }
        var tableConfig = RoutingTableConfig(bucketSize: config.bucketSize, addressFilter: filter)
        tableConfig.diversity = IPDiversityLimits(
            isEnabled: !allowPrivateAddresses, maxPerGroupPerBucket: config.maxPeersPerGroupPerBucket,
            maxPerGroupInTable: config.maxPeersPerGroup)
        server = KadServer(
            table: RoutingTable(localPeer: localPeer, config: tableConfig),
            config: KadServerConfig(
                mode: config.mode, k: config.bucketSize, maxProviderRecords: config.limits.maxProviderRecords,
                maxProvidersPerKey: config.limits.maxProvidersPerKey, maxValues: config.limits.maxValues,
                addressFilter: filter))
        requestRate = PerIPRateLimiter(
            requestsPerSecond: Double(config.limits.requestsPerSecondPerPeer),
            burst: Double(config.limits.burstPerPeer), penaltyNanoseconds: 0, maxTrackedIPs: 100_000)
    }

    // MARK: - Lifecycle

    func start(host: any Libp2pHost) {
        self.host = host
        loadSnapshot()
        bootstrap()
        if config.refreshSeconds > 0 {
            every(UInt64(config.refreshSeconds) * 1_000_000_000) { $0.bootstrap() }
        }
        if config.snapshotSeconds > 0 {
            every(UInt64(config.snapshotSeconds) * 1_000_000_000) { $0.saveSnapshot() }
        }
    }

    func stop() {
        guard !isStopped else { return }
        isStopped = true
        for timer in timers.values { host?.cancel(timer) }
        timers.removeAll()
        saveSnapshot()
    }

    /// Runs `body` every `interval` until the service stops.
    func every(_ interval: UInt64, slot: Int? = nil, _ body: @escaping (KademliaService) -> Void) {
        let slot = slot ?? timers.count
        timers[slot] = host?.schedule(afterNanoseconds: interval) { [weak self] in
            guard let self, !self.isStopped else { return }
            body(self)
            self.every(interval, slot: slot, body)
        }
    }

    func updateGauges() {
        metrics.routingTablePeers.set(Double(server.table.count))
        metrics.providerRecords.set(Double(server.providers.count))
        metrics.values.set(Double(server.values.count))
    }

    // MARK: - Routing table

    func peerIdentified(_ session: Libp2pSession, _ peer: PeerID, _ entry: Peerstore.Entry) {
        if entry.protocols.contains(protocolID) {
            guard !server.table.contains(peer), let host else { return }
            verify(peer, addresses: host.certifiedEntry(peer)?.addresses ?? entry.addresses)
        } else if server.table.remove(peer) {
            updateGauges()
        }
    }

    /// Adds `peer` to the table once it answers a FIND_NODE for our own key (so it is a live DHT server).
    func verify(_ peer: PeerID, addresses: [Multiaddr], done: ((Bool) -> Void)? = nil) {
        guard !verifying.contains(peer), peer != server.table.localPeer else {
            done?(false)
            return
        }
        verifying.insert(peer)
        query(peer, addresses: addresses, findNode(server.table.localPeer.bytes)) { [weak self] response in
            guard let self else { return }
            self.verifying.remove(peer)
            guard response != nil else {
                done?(false)
                return
            }
            self.observe(peer, addresses)
            done?(true)
        }
    }

    /// Records a peer that answered us, handling a full bucket with a liveness check of its oldest entry.
    func observe(_ peer: PeerID, _ addresses: [Multiaddr]) {
        let now = now
        if case .checkLiveness(let oldest, _) = server.table.observe(peer, addresses: addresses, now: now) {
            query(oldest.peer, addresses: oldest.addresses, findNode(server.table.localPeer.bytes)) {
                [weak self] response in
                guard let self else { return }
                self.server.table.livenessResult(oldest.peer, alive: response != nil, now: self.now)
                self.updateGauges()
            }
        }
        updateGauges()
    }

    // MARK: - Lookups, bootstrap and refresh

    /// An iterative FIND_NODE lookup for `target`; peers that answer are added to the table.
    func lookup(_ target: [UInt8], completion: @escaping ([KadPeerInfo]) -> Void) {
        let key = KadKey(hashing: target)
        let seeds = server.table.closest(to: key, count: config.bucketSize)
        var machine = KadLookup(
            target: key, seeds: seeds, localPeer: server.table.localPeer,
            config: KadLookupConfig(alpha: config.alpha, k: config.bucketSize, queryTimeout: queryTimeout))
        let started = now
        var timer: TimerHandle?
        var finished = false
        func step() {
            guard !finished else { return }
            let now = now
            for peer in machine.next(now: now) {
                query(peer.peer, addresses: peer.addresses, findNode(target)) { [weak self] response in
                    guard let self else { return }
                    if let response {
                        let closer = response.closerPeers.compactMap(KadPeerInfo.init).map { info in
                            KadPeerInfo(peer: info.peer, addresses: info.addresses.filter(self.isDialable))
                        }
                        machine.response(from: peer.peer, closerPeers: closer, now: self.now)
                        self.observe(peer.peer, self.trustedAddresses(of: peer))
                    } else {
                        machine.failure(peer.peer)
                    }
                    step()
                }
            }
            // A query that failed at once ran `step` re-entrantly, which may have finished the lookup already.
            guard !finished else { return }
            if machine.isFinished || isStopped {
                finished = true
                if let timer { host?.cancel(timer) }
                metrics.lookup(seconds: Double(now - started) / 1e9)
                completion(machine.result)
                return
            }
            if let timer { host?.cancel(timer) }
            timer = machine.nextDeadline.flatMap { host?.schedule(atNanoseconds: $0) { step() } }
        }
        step()
    }

    /// Addresses to keep for a peer that answered a lookup: what it said itself (identify, signed record checked),
    /// else the one address we dialed. Never the list a third party handed out: that would let any peer make us
    /// advertise another peer at an address of its choosing.
    func trustedAddresses(of peer: KadPeerInfo) -> [Multiaddr] {
        if let own = host?.certifiedEntry(peer.peer)?.addresses, !own.isEmpty { return own }
        return peer.addresses.first(where: isDialable).map { [$0] } ?? []
    }

    func isDialable(_ address: Multiaddr) -> Bool { host?.isDialable(address) ?? false }

    /// Dials the bootstrap peers (each is verified like any DHT server), then runs a self-lookup and refreshes the
    /// non-empty buckets (one lookup at a time). Later rounds also re-check table entries not heard from for a
    /// refresh interval and drop those that do not answer, so answers carry live peers.
    func bootstrap() {
        guard !refreshing, !isStopped else { return }
        refreshing = true
        if config.refreshSeconds > 0 {
            let interval = UInt64(config.refreshSeconds) * 1_000_000_000
            let now = now
            if now > interval { checkStalePeers(seenBefore: now - interval) }
        }
        var pending = bootstrapPeers.count
        let afterBootstrapPeers = { [weak self] in
            guard let self else { return }
            self.lookup(self.server.table.localPeer.bytes) { [weak self] _ in self?.refreshBuckets() }
        }
        guard pending > 0 else { return afterBootstrapPeers() }
        for (peer, address) in bootstrapPeers {
            verify(peer, addresses: [address]) { _ in
                pending -= 1
                if pending == 0 { afterBootstrapPeers() }
            }
        }
    }

    /// Asks every table entry last seen before `seenBefore` a FIND_NODE (`alpha` at a time); an entry that does not
    /// answer leaves the table (a cached replacement takes its slot).
    func checkStalePeers(seenBefore: UInt64, done: (() -> Void)? = nil) {
        var queue = server.table.entries.filter { $0.lastSeen < seenBefore }.map(\.info)
        var running = 0
        var finished = false
        func next() {
            guard !isStopped, !queue.isEmpty else {
                if running == 0 && !finished {
                    finished = true
                    done?()
                }
                return
            }
            let info = queue.removeFirst()
            running += 1
            ask(info.peer, addresses: info.addresses, findNode(server.table.localPeer.bytes)) { [weak self] result in
                guard let self else { return }
                running -= 1
                switch result {
                case .answered:
                    self.observe(info.peer, info.addresses)
                case .notSent:
                    break  // nothing learnt about the peer (e.g. dials saturated): it stays
                case .failed:
                    if self.server.table.remove(info.peer) {
                        self.log("kademlia peer dropped: no answer", [("peer", info.peer.description)])
                        self.updateGauges()
                    }
                }
                next()
            }
        }
        guard !queue.isEmpty else {
            done?()
            return
        }
        for _ in 0..<min(config.alpha, queue.count) { next() }
    }

    func refreshBuckets() {
        let local = KadKey(peer: server.table.localPeer)
        let buckets = Set(server.table.entries.map { local.commonPrefixLength(with: $0.key) })
            .filter { $0 <= Self.maxRefreshedBucket }.sorted()
        var keys = buckets.compactMap {
            KadKey.lookupKey(forBucket: $0, of: local, attempts: 1 << 18, random: SecureRandom.bytes)
        }
        func next() {
            guard !isStopped, !keys.isEmpty else {
                refreshing = false
                return
            }
            lookup(keys.removeFirst()) { _ in next() }
        }
        next()
    }
}
