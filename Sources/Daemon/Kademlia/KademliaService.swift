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

/// The Kademlia DHT service on the libp2p role: answers `/ipfs/kad/1.0.0` requests (``KadServer``), keeps the routing
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
    private let bootstrapPeers: [(peer: PeerID, address: Multiaddr)]
    private var protocolID: String { protocols[0] }
    private weak var host: (any Libp2pHost)?
    var server: KadServer
    private let config: WaystoneConfig.KademliaSection
    private let metrics: KademliaMetrics
    private let log: (String, [(String, String)]) -> Void
    private let snapshotPath: String
    private let queryTimeout: UInt64
    private var requestRate: PerIPRateLimiter

    private struct StreamKey: Hashable {
        let session: ObjectIdentifier
        let id: UInt32
    }

    private struct InboundStream {
        let peer: PeerID
        var framer = LengthPrefixedFramer(maxFrameSize: KademliaService.maxRequestBytes)
    }

    private final class Query {
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
    private var inbound: [ObjectIdentifier: [UInt32: InboundStream]] = [:]
    private var inboundPerPeer: [PeerID: Int] = [:]
    private var queries: [StreamKey: Query] = [:]
    /// Bytes held in stream buffers per connection (the role counts them against its memory limits).
    private var buffered: [ObjectIdentifier: Int] = [:]
    /// Peers being checked with a FIND_NODE before they enter the table.
    private var verifying: Set<PeerID> = []
    private var timers: [Int: TimerHandle] = [:]
    private var isStopped = false
    private var refreshing = false
    /// The host's monotonic clock (0 before `start`).
    private var now: UInt64 { host?.nowNanoseconds ?? 0 }

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
    private func every(_ interval: UInt64, slot: Int? = nil, _ body: @escaping (KademliaService) -> Void) {
        let slot = slot ?? timers.count
        timers[slot] = host?.schedule(afterNanoseconds: interval) { [weak self] in
            guard let self, !self.isStopped else { return }
            body(self)
            self.every(interval, slot: slot, body)
        }
    }

    private func updateGauges() {
        metrics.routingTablePeers.set(Double(server.table.count))
        metrics.providerRecords.set(Double(server.providers.count))
        metrics.values.set(Double(server.values.count))
    }

    // MARK: - Serving requests

    func streamOpened(_ session: Libp2pSession, _ id: UInt32, protocol: String, inbound isInbound: Bool) {
        guard isInbound, let peer = session.remotePeer, let host else { return }
        let open = inboundPerPeer[peer, default: 0]
        guard config.limits.maxStreamsPerPeer == 0 || open < config.limits.maxStreamsPerPeer else {
            metrics.request("other", "stream_limit")
            host.resetStream(session, id)
            return
        }
        inboundPerPeer[peer] = open + 1
        inbound[ObjectIdentifier(session), default: [:]][id] = InboundStream(peer: peer)
    }

    func bufferedBytes(of session: Libp2pSession) -> Int { buffered[ObjectIdentifier(session), default: 0] }

    private func count(_ delta: Int, _ key: StreamKey) {
        guard delta != 0 else { return }
        let total = buffered[key.session, default: 0] + delta
        buffered[key.session] = total > 0 ? total : nil
    }

    func streamData(_ session: Libp2pSession, _ id: UInt32, _ bytes: ArraySlice<UInt8>) {
        let key = StreamKey(session: ObjectIdentifier(session), id: id)
        if let query = queries[key] { return queryData(query, key, bytes) }
        // Taken out while it is worked on (no copy of its buffer per append); answers may re-enter the role.
        guard var stream = takeInbound(key), let host else { return }
        let before = stream.framer.bufferedByteCount
        stream.framer.append(bytes)
        var failure: String?
        while failure == nil {
            let frame: [UInt8]
            do {
                guard let next = try stream.framer.nextFrame() else { break }
                frame = next
            } catch {
                failure = "malformed"
                break
            }
            guard requestRate.admit(ip: stream.peer.bytes, now: now) == .allowed else {
                failure = "rate_limited"
                break
            }
            guard let request = try? KadMessage(bytes: frame) else {
                failure = "malformed"
                break
            }
            let type = KademliaMetrics.label(request.type)
            server.localAddresses = host.advertisedAddresses
            let outcome = server.handle(request, from: stream.peer, now: now) { [host] peer in
                guard host.session(for: peer) != nil, let entry = host.peerstore[peer] else { return nil }
                return entry.addresses
            }
            switch outcome {
            case .respond(let response):
                let framed = response.framedBytes
                guard host.write(session, id, framed) == framed.count else {
                    metrics.request(type, "refused")
                    failure = "write"
                    break
                }
                metrics.request(type, "ok")
            case .noResponse:
                metrics.request(type, "ok")
            case .refused:
                metrics.request(type, "refused")
                failure = "refused"
            }
        }
        count(-before, key)
        if let failure {
            if failure != "refused" && failure != "write" { metrics.request("other", failure) }
            release(stream)
            host.resetStream(session, id)
        } else if session.connection.isClosed {
            release(stream)
        } else {
            count(stream.framer.bufferedByteCount, key)
            inbound[key.session, default: [:]][key.id] = stream
        }
        updateGauges()
    }

    private func takeInbound(_ key: StreamKey) -> InboundStream? {
        guard let stream = inbound[key.session]?.removeValue(forKey: key.id) else { return nil }
        if inbound[key.session]?.isEmpty == true { inbound[key.session] = nil }
        return stream
    }

    private func release(_ stream: InboundStream) {
        let remaining = (inboundPerPeer[stream.peer] ?? 1) - 1
        inboundPerPeer[stream.peer] = remaining > 0 ? remaining : nil
    }

    private func endInbound(_ key: StreamKey, _ session: Libp2pSession) {
        guard let stream = takeInbound(key) else { return }
        count(-stream.framer.bufferedByteCount, key)
        release(stream)
        host?.closeWrite(session, key.id)
    }

    /// The peer's FIN: an inbound request stream is done (we close ours); a query without its answer failed.
    func streamFinished(_ session: Libp2pSession, _ id: UInt32) {
        let key = StreamKey(session: ObjectIdentifier(session), id: id)
        if let query = queries[key] {
            host?.resetStream(session, id)
            return finish(query, key, nil, result: "failed")
        }
        endInbound(key, session)
    }

    func streamReset(_ session: Libp2pSession, _ id: UInt32, code: UInt32) {
        let key = StreamKey(session: ObjectIdentifier(session), id: id)
        if let query = queries[key] { return finish(query, key, nil, result: "failed") }
        guard let stream = takeInbound(key) else { return }
        count(-stream.framer.bufferedByteCount, key)
        release(stream)
    }

    func streamOpenFailed(_ session: Libp2pSession, _ id: UInt32) {
        let key = StreamKey(session: ObjectIdentifier(session), id: id)
        if let query = queries[key] { finish(query, key, nil, result: "failed") }
    }

    func connectionClosed(_ session: Libp2pSession) {
        let sessionID = ObjectIdentifier(session)
        if let streams = inbound.removeValue(forKey: sessionID) {
            for stream in streams.values { release(stream) }
        }
        for (key, query) in queries where key.session == sessionID { finish(query, key, nil, result: "failed") }
        buffered[sessionID] = nil
    }

    // MARK: - Queries we send

    /// What became of a query.
    enum QueryResult {
        case answered(KadMessage)
        /// The peer did not answer (dial or stream failure, reset, timeout, malformed answer).
        case failed
        /// Not sent for a local reason (no dialable address, too many dials or streams, stopping): says nothing
        /// about the peer.
        case notSent

        var response: KadMessage? {
            if case .answered(let message) = self { return message }
            return nil
        }
    }

    /// Sends `request` to `peer` (dialing one of `addresses` unless connected) and calls `completion` with the
    /// answer, or nil (``ask(_:addresses:_:result:)`` tells a silent peer from a query never sent).
    func query(
        _ peer: PeerID, addresses: [Multiaddr], _ request: KadMessage, completion: @escaping (KadMessage?) -> Void
    ) {
        ask(peer, addresses: addresses, request) { completion($0.response) }
    }

    /// ``query(_:addresses:_:completion:)`` with the three outcomes.
    func ask(_ peer: PeerID, addresses: [Multiaddr], _ request: KadMessage, result: @escaping (QueryResult) -> Void) {
        guard let host, !isStopped else { return result(.notSent) }
        let dialable = addresses.first(where: isDialable)
        let connected = host.session(for: peer) != nil
        guard connected || dialable != nil, connected || host.canDial else {
            metrics.query("not_sent")
            return result(.notSent)
        }
        host.connect(to: peer, at: dialable) { [weak self] session in
            guard let self else { return result(.notSent) }
            guard let session else {
                self.metrics.query("failed")
                return result(.failed)
            }
            guard let id = host.openStream(session, self.protocolID, owner: self) else {
                self.metrics.query("not_sent")
                return result(.notSent)
            }
            let key = StreamKey(session: ObjectIdentifier(session), id: id)
            let query = Query(peer: peer, session: session, completion: result)
            self.queries[key] = query
            query.timer = host.schedule(afterNanoseconds: self.queryTimeout) { [weak self, weak query] in
                guard let self, let query, self.queries[key] === query else { return }
                host.resetStream(session, id)
                self.finish(query, key, nil, result: "timeout")
            }
            host.write(session, id, request.framedBytes)
        }
    }

    private func queryData(_ query: Query, _ key: StreamKey, _ bytes: ArraySlice<UInt8>) {
        let before = query.framer.bufferedByteCount
        query.framer.append(bytes)
        count(query.framer.bufferedByteCount - before, key)
        let frame: [UInt8]
        do {
            guard let next = try query.framer.nextFrame() else { return }
            frame = next
        } catch {
            host?.resetStream(query.session, key.id)
            return finish(query, key, nil, result: "failed")
        }
        host?.closeWrite(query.session, key.id)
        finish(query, key, try? KadMessage(bytes: frame), result: "ok")
    }

    private func finish(_ query: Query, _ key: StreamKey, _ response: KadMessage?, result: String) {
        guard queries.removeValue(forKey: key) === query else { return }
        count(-query.framer.bufferedByteCount, key)
        if let timer = query.timer { host?.cancel(timer) }
        metrics.query(response == nil && result == "ok" ? "failed" : result)
        query.completion(response.map { .answered($0) } ?? .failed)
    }

    private func findNode(_ target: [UInt8]) -> KadMessage { KadMessage(type: .findNode, key: target) }

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
    private func verify(_ peer: PeerID, addresses: [Multiaddr], done: ((Bool) -> Void)? = nil) {
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
    private func observe(_ peer: PeerID, _ addresses: [Multiaddr]) {
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
    private func trustedAddresses(of peer: KadPeerInfo) -> [Multiaddr] {
        if let own = host?.certifiedEntry(peer.peer)?.addresses, !own.isEmpty { return own }
        return peer.addresses.first(where: isDialable).map { [$0] } ?? []
    }

    private func isDialable(_ address: Multiaddr) -> Bool { host?.isDialable(address) ?? false }

    /// Dials the bootstrap peers (each is verified like any DHT server), then runs a self-lookup and refreshes the
    /// non-empty buckets (one lookup at a time). Later rounds also re-check table entries not heard from for a
    /// refresh interval and drop those that do not answer, so answers carry live peers.
    private func bootstrap() {
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

    private func refreshBuckets() {
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

    // MARK: - Snapshot

    /// Saves the routing table and, in full mode, the provider and value records (atomically, mode 0600).
    func saveSnapshot() {
        var snapshot = server.table.snapshot()
        let now = now
        let wall = host?.wallClockNanoseconds ?? 0
        server.providers.expire(now: now)
        snapshot.providers = server.providers.all.map {
            RoutingTableSnapshot.Provider(key: $0.key, provider: $0.info, expires: wall &+ ($0.expires &- now))
        }
        snapshot.values = Array(server.values.values)
        do {
            try AtomicFile.write(snapshot.encode(), to: snapshotPath, mode: 0o600)
            metrics.saved("ok")
        } catch {
            metrics.saved("error")
            log("kademlia snapshot not saved", [("path", snapshotPath), ("error", "\(error)")])
        }
    }

    /// Loads the snapshot and verifies its peers (`alpha` at a time); they enter the table as they answer. A damaged
    /// file is kept aside as `kademlia.snapshot.corrupt` and the node starts cold.
    private func loadSnapshot() {
        let bytes: [UInt8]
        do {
            bytes = try AtomicFile.read(snapshotPath, maxBytes: Self.maxSnapshotBytes)
        } catch {
            if case .system(let code) = error.kind, code == ENOENT {
                metrics.loaded("missing")
            } else {
                metrics.loaded("error")
                log("kademlia snapshot not read", [("path", snapshotPath), ("error", "\(error)")])
            }
            return
        }
        let snapshot: RoutingTableSnapshot
        do {
            snapshot = try RoutingTableSnapshot(
                bytes: bytes, limits: RoutingTableSnapshotLimits(maxBytes: Self.maxSnapshotBytes))
        } catch {
            metrics.loaded("corrupt")
            let aside = snapshotPath + ".corrupt"
            let moved = rename(snapshotPath, aside) == 0
            log(
                "kademlia snapshot corrupt, starting cold",
                [("path", snapshotPath), ("error", "\(error)"), ("kept_as", moved ? aside : "")])
            return
        }
        metrics.loaded("ok")
        let now = now
        let wall = host?.wallClockNanoseconds ?? 0
        if config.mode == .full {
            for record in snapshot.providers where record.expires > wall {
                server.providers.add(record.provider, for: record.key, expires: now &+ (record.expires - wall))
            }
            for record in snapshot.values { server.restoreValue(record) }
            updateGauges()
        }
        log(
            "kademlia snapshot loaded",
            [
                ("peers", "\(snapshot.entries.count)"), ("providers", "\(server.providers.count)"),
                ("values", "\(server.values.count)"),
            ])
        var queue = snapshot.entries.sorted { $0.lastSeen > $1.lastSeen }
        func next() {
            guard !isStopped, !queue.isEmpty else { return }
            let entry = queue.removeFirst()
            verify(entry.peer, addresses: entry.addresses) { _ in next() }
        }
        for _ in 0..<config.alpha { next() }
    }
}
