import BenchSupport
import Crypto
import Glibc
import Identify
import Kademlia
import Libp2pCore
import Node
import WaystoneRuntime
import Wire

/// How requests use streams.
enum KadLoadMode: String, CaseIterable {
    /// Each request slot keeps one stream open: request → response → next request on the same stream.
    case reused
    /// A new stream per request: open, write, read the response, close.
    case perRequest = "per-request"
}

/// What one run asks for.
struct KadPlan {
    var server: SocketAddress
    var serverPeer: PeerID
    var protocolID = "/ipfs/kad/1.0.0"
    /// DHT-server peers joined to the server's routing table before the load.
    var dhtPeers = 200
    /// Client connections (not DHT servers) the load comes from.
    var clients = 8
    /// Requests in flight, spread over the client connections (one stream each in the reused mode).
    var streams = 64
    var modes: [KadLoadMode] = [.reused, .perRequest]
    /// Measured seconds per mode, after `warmupSeconds` of the same load.
    var seconds = 5.0
    var warmupSeconds = 1.0
    /// Local addresses the connections come from, round robin (empty: the kernel's choice).
    var sources: [SocketAddress] = []
    /// Connections still upgrading at once.
    var connectConcurrency = 64
    /// Settling: load in windows of this length until the number of our DHT peers seen in one window's answers has
    /// not grown for `stableWindows` windows (or `settleTimeoutSeconds` passed).
    var windowSeconds = 0.5
    var stableWindows = 4
    var settleTimeoutSeconds = 60.0
    var connectTimeoutSeconds = 30.0
    var requestTimeoutSeconds = 10.0
    /// The server process whose CPU time and RSS are read (nil: none).
    var serverPID: Int32?
}

/// The populate phase: DHT-server peers connected, then the settle windows.
struct PopulateResult {
    var identified = 0
    /// DHT peer connections that ended before identify, or closed later.
    var failed = 0
    var badIdentify = 0
    var connectSeconds = 0.0
    var settleSeconds = 0.0
    var settled = false
    /// Distinct DHT peers of ours in the answers of the last settle window: the server's routing table as seen
    /// from outside.
    var tableSeen = 0
    /// Kad requests the server sent to our DHT peers (its FIND_NODE checks), and how many distinct peers it asked.
    var serverQueries = 0
    var peersQueried = 0
    var clientsIdentified = 0
    var failureReasons: [String: Int] = [:]
}

/// One measured window.
struct ModeResult {
    var mode: KadLoadMode
    /// Answers that decoded as FIND_NODE responses with at least one closer peer.
    var requests = 0
    /// Malformed or empty answers, streams closed or reset before the answer, refused streams, timeouts.
    var errors = 0
    var seconds = 0.0
    var serverCPUSeconds: Double?
    var serverRSSKiB: Int?
    var clientCPUSeconds = 0.0
    /// Distinct DHT peers of ours in this window's answers.
    var tableSeen = 0
    /// Closer peers in the good answers, and those that are not our DHT peers.
    var closerPeers = 0
    var foreignPeers = 0
    var streamsOpened = 0
    var latenciesMicroseconds: [UInt32] = []
    var failureReasons: [String: Int] = [:]

    init(mode: KadLoadMode) { self.mode = mode }

    mutating func fail(_ reason: String) {
        errors += 1
        failureReasons[reason, default: 0] += 1
    }
}

/// The Kademlia load client: P DHT-server peers (each a fresh Ed25519 identity whose identify lists
/// `/ipfs/kad/1.0.0` and a listen address, each answering the server's FIND_NODE with itself) join the server's
/// routing table; then C client connections send FIND_NODE for random peer-ID-shaped keys, first until the table
/// seen in the answers is stable, then for each mode a warm-up and a measured window. Everything runs on one
/// ``EventLoop`` with Node's ``Libp2pConnection``.
final class KadLoadClient {
    final class Conn {
        enum Role {
            case dhtServer
            case client
        }
        let role: Role
        let index: Int
        let identity = Libp2pPrivateKey.generateEd25519()
        /// The advertised listen address of a DHT peer (nothing listens there: the server only needs an address).
        let listenAddress: Multiaddr?
        var tcp: TCPConnection?
        var machine: Libp2pConnection?
        var identified = false
        var closed = false
        var failure: String?
        var tick: TimerHandle?
        var deadline: TimerHandle?
        /// DHT-server side: the framer of each inbound kad stream.
        var inbound: [UInt32: LengthPrefixedFramer] = [:]
        /// Client side: the worker owning each stream it has open.
        var workers: [UInt32: Worker] = [:]

        init(role: Role, index: Int) {
            self.role = role
            self.index = index
            listenAddress = role == .dhtServer ? try? Multiaddr("/ip4/127.0.0.1/tcp/\(20_000 + index % 40_000)") : nil
        }
    }

    /// One request slot: at most one request in flight.
    final class Worker {
        let conn: Conn
        var stream: UInt32?
        var awaiting = false
        var sentAt: UInt64 = 0
        var framer = LengthPrefixedFramer(maxFrameSize: 64 * 1024)
        var retry: TimerHandle?

        init(conn: Conn) { self.conn = conn }
    }

    private enum Phase: Equatable {
        case populating
        case connectingClients
        case settling
        case warmup(KadLoadMode)
        case measuring(KadLoadMode)
        case done
    }

    private let loop: EventLoop
    private let plan: KadPlan
    private let onDone: (PopulateResult, [ModeResult]) -> Void
    private var phase = Phase.populating
    private var populate = PopulateResult()
    private var results: [ModeResult] = []
    private var window = ModeResult(mode: .reused)
    private var windowSeen: Set<[UInt8]> = []
    private var dhtConns: [Conn] = []
    private var clientConns: [Conn] = []
    private var workers: [Worker] = []
    /// Our DHT peers' IDs (multihash bytes), to tell them apart in answers.
    private var dhtPeerIDs: Set<[UInt8]> = []
    private var queriedPeers: Set<Int> = []
    private var phaseStart: UInt64 = 0
    private var settleBest = -1
    private var settleStable = 0
    private var windowCPU: Double?
    private var windowClientCPU = 0.0
    private var sweepTimer: TimerHandle?
    private var phaseTimer: TimerHandle?
    private var modeIndex = 0
    private var settleStart: UInt64 = 0

    init(loop: EventLoop, plan: KadPlan, onDone: @escaping (PopulateResult, [ModeResult]) -> Void) {
        self.loop = loop
        self.plan = plan
        self.onDone = onDone
    }

    private var now: UInt64 { loop.nowNanoseconds() }

    /// The mode requests use right now (settling uses streams as the reused mode does).
    private var mode: KadLoadMode? {
        switch phase {
        case .settling: .reused
        case .warmup(let mode), .measuring(let mode): mode
        default: nil
        }
    }

    func start() {
        dhtConns = (0..<plan.dhtPeers).map { Conn(role: .dhtServer, index: $0) }
        dhtPeerIDs = Set(dhtConns.map(\.identity.peerID.bytes))
        clientConns = (0..<max(1, plan.clients)).map { Conn(role: .client, index: $0) }
        phaseStart = now
        connectAll(dhtConns) { [unowned self] in
            self.populate.connectSeconds = Double(self.now - self.phaseStart) / 1e9
            self.phase = .connectingClients
            self.connectAll(self.clientConns) { [unowned self] in self.startLoad() }
        }
    }

    // MARK: - Connections

    private func connectAll(_ conns: [Conn], done: @escaping () -> Void) {
        var next = 0
        var inFlight = 0
        var finished = 0
        func progress() {
            while next < conns.count && inFlight < plan.connectConcurrency {
                let conn = conns[next]
                next += 1
                inFlight += 1
                open(conn) {
                    inFlight -= 1
                    finished += 1
                    progress()
                }
            }
            if finished == conns.count && inFlight == 0 && next == conns.count {
                next += 1  // run `done` once
                done()
            }
        }
        progress()
    }

    /// Connects and upgrades `conn`; `settled` runs once, when it is identified or failed.
    private func open(_ conn: Conn, settled: @escaping () -> Void) {
        var reported = false
        let report = {
            guard !reported else { return }
            reported = true
            settled()
        }
        let sources = plan.sources
        let source = sources.isEmpty ? nil : sources[(conn.index + (conn.role == .client ? 1 : 0)) % sources.count]
        do {
            try loop.connectTCP(
                plan.server, from: source, timeoutNanoseconds: UInt64(plan.connectTimeoutSeconds * 1e9)
            ) { [weak self] outcome in
                guard let self else { return }
                switch outcome {
                case .success(let tcp): self.begin(conn, tcp, report)
                case .failure(let error):
                    self.connFailed(conn, Self.reason(error))
                    report()
                }
            }
        } catch {
            connFailed(conn, Self.reason(error))
            report()
        }
    }

    private func begin(_ conn: Conn, _ tcp: TCPConnection, _ report: @escaping () -> Void) {
        conn.tcp = tcp
        var protocols = [Libp2pConnection.identifyProtocol, Libp2pConnection.identifyPushProtocol]
        protocols.append(Libp2pConnection.pingProtocol)
        if conn.role == .dhtServer { protocols.append(plan.protocolID) }
        let message = IdentifyMessage(
            protocolVersion: "ipfs/0.1.0", agentVersion: "kadload", publicKey: conn.identity.publicKey.protobufBytes,
            listenAddrs: conn.listenAddress.map { [$0.bytes] } ?? [], observedAddr: nil, protocols: protocols,
            signedPeerRecord: nil)
        do {
            conn.machine = try Libp2pConnection(
                direction: .outbound(expectedPeer: plan.serverPeer), identity: conn.identity,
                randomBytes: SecureRandom.bytes,
                applicationProtocols: conn.role == .dhtServer ? [plan.protocolID] : []
            ) { _ in message }
        } catch {
            tcp.close()
            connFailed(conn, "noise setup")
            report()
            return
        }
        tcp.onRead = { [unowned self, unowned conn] _, bytes in
            guard var output = conn.machine?.receive(Array(bytes), now: self.now) else { return }
            self.process(conn, &output, report)
        }
        tcp.onClose = { [weak self, unowned conn] _, error in
            guard let self else { return }
            conn.closed = true
            for timer in [conn.deadline, conn.tick].compactMap({ $0 }) { self.loop.cancel(timer) }
            if !conn.identified {
                self.connFailed(conn, conn.failure ?? error.map(Self.reason) ?? "closed before identify")
                report()
            } else if self.phase != .done {
                self.connLost(conn)
            }
        }
        conn.deadline = loop.schedule(afterNanoseconds: UInt64(plan.connectTimeoutSeconds * 1e9)) {
            [weak conn] in
            guard let conn, !conn.identified, !conn.closed else { return }
            conn.failure = "upgrade timeout"
            conn.tcp?.close()
        }
        guard var output = conn.machine?.start() else { return }
        process(conn, &output, report)
    }

    private func connFailed(_ conn: Conn, _ reason: String) {
        conn.closed = true
        if conn.role == .dhtServer {
            populate.failed += 1
            populate.failureReasons[reason, default: 0] += 1
        } else {
            populate.failureReasons["client: " + reason, default: 0] += 1
        }
    }

    /// A connection closed after identify: its workers' requests fail and they stop.
    private func connLost(_ conn: Conn) {
        if conn.role == .dhtServer {
            populate.failed += 1
            populate.failureReasons["closed after identify", default: 0] += 1
            return
        }
        for worker in workers where worker.conn === conn {
            if worker.awaiting { window.fail("connection closed") }
            worker.awaiting = false
            worker.stream = nil
            if let timer = worker.retry { loop.cancel(timer) }
        }
        conn.workers.removeAll()
        window.fail("connection closed")
        if clientConns.allSatisfy(\.closed) && phase != .done { finishAll() }
    }

    /// Handles one output of a connection's machine: events, then one socket write.
    private func process(_ conn: Conn, _ out: inout Libp2pConnection.Output, _ report: () -> Void) {
        let events = out.events
        out.events = []
        for event in events {
            switch event {
            case .identified(let peer, let message):
                guard !conn.identified else { break }
                conn.identified = true
                if let timer = conn.deadline { loop.cancel(timer) }
                conn.deadline = nil
                let key = message.publicKey.flatMap { try? Libp2pPublicKey(protobufBytes: $0) }
                if peer != plan.serverPeer || key?.peerID != plan.serverPeer { populate.badIdentify += 1 }
                if conn.role == .dhtServer { populate.identified += 1 } else { populate.clientsIdentified += 1 }
                report()
            case .failed(let reason):
                if conn.failure == nil { conn.failure = String(reason.prefix(60)) }
            case .streamOpened(let id, let proto, let inbound):
                if inbound && conn.role == .dhtServer && proto == plan.protocolID {
                    conn.inbound[id] = LengthPrefixedFramer(maxFrameSize: 64 * 1024)
                } else if !inbound, conn.workers[id] != nil {
                    window.streamsOpened += 1
                }
            case .streamData(let id, let bytes):
                if conn.role == .dhtServer {
                    serve(conn, id, bytes, &out)
                } else if let worker = conn.workers[id] {
                    received(worker, id, bytes, &out)
                }
            case .streamFinished(let id), .streamReset(let id, _), .streamOpenFailed(let id):
                if conn.inbound.removeValue(forKey: id) != nil {
                    conn.machine?.closeWrite(id, output: &out)
                } else if let worker = conn.workers.removeValue(forKey: id) {
                    // The server ended the stream of a request still waiting (or refused to open it).
                    conn.machine?.closeWrite(id, output: &out)
                    worker.stream = nil
                    if worker.awaiting {
                        worker.awaiting = false
                        window.fail("stream closed before the answer")
                        retryLater(worker)
                    }
                }
            default:
                break
            }
        }
        if !out.bytes.isEmpty { conn.tcp?.write(out.bytes) }
        if out.close {
            conn.tcp?.closeAfterFlush()
            return
        }
        armTick(conn)
    }

    /// Yamux keep-alive deadlines.
    private func armTick(_ conn: Conn) {
        guard conn.tick == nil, let deadline = conn.machine?.nextDeadline else { return }
        conn.tick = loop.schedule(atNanoseconds: deadline) { [weak self, weak conn] in
            guard let self, let conn, !conn.closed else { return }
            conn.tick = nil
            guard var output = conn.machine?.tick(now: self.now) else { return }
            self.process(conn, &output, {})
        }
    }

    // MARK: - DHT-server peers

    /// Answers the server's kad requests: FIND_NODE (its check before adding us) with ourselves as the closer peer,
    /// as a live DHT server would (go-libp2p-kad-dht's check wants at least one peer back).
    private func serve(_ conn: Conn, _ id: UInt32, _ bytes: ArraySlice<UInt8>, _ out: inout Libp2pConnection.Output) {
        guard var framer = conn.inbound[id] else { return }
        framer.append(bytes)
        while true {
            let frame: [UInt8]?
            do {
                frame = try framer.nextFrame()
            } catch {
                conn.inbound[id] = nil
                conn.machine?.resetStream(id, output: &out)
                return
            }
            guard let frame else { break }
            guard let request = try? KadMessage(bytes: frame) else {
                conn.inbound[id] = nil
                conn.machine?.resetStream(id, output: &out)
                return
            }
            populate.serverQueries += 1
            queriedPeers.insert(conn.index)
            populate.peersQueried = queriedPeers.count
            let me = KadMessage.Peer(
                id: conn.identity.peerID.bytes, addrs: conn.listenAddress.map { [$0.bytes] } ?? [],
                connection: .connected)
            let response: KadMessage?
            switch request.type {
            case .findNode: response = KadMessage(type: .findNode, closerPeers: [me])
            case .getProviders, .getValue:
                response = KadMessage(type: request.type, key: request.key, closerPeers: [me])
            case .putValue: response = request
            case .ping: response = KadMessage(type: .ping)
            default: response = nil
            }
            if let response { _ = conn.machine?.write(id, response.framedBytes, output: &out) }
        }
        conn.inbound[id] = framer
    }

    // MARK: - Load

    private func startLoad() {
        guard !clientConns.filter(\.identified).isEmpty else {
            populate.failureReasons["no client connection", default: 0] += 1
            return finishAll()
        }
        let live = clientConns.filter(\.identified)
        workers = (0..<max(1, plan.streams)).map { Worker(conn: live[$0 % live.count]) }
        phase = .settling
        settleStart = now
        beginWindow()
        var out = [ObjectIdentifier: Libp2pConnection.Output]()
        for worker in workers {
            var output = out[ObjectIdentifier(worker.conn)] ?? Libp2pConnection.Output()
            send(worker, &output)
            out[ObjectIdentifier(worker.conn)] = output
        }
        for conn in live {
            if var output = out[ObjectIdentifier(conn)] { process(conn, &output, {}) }
        }
        sweepTimer = loop.schedule(afterNanoseconds: 1_000_000_000) { [weak self] in self?.sweep() }
        phaseTimer = loop.schedule(afterNanoseconds: UInt64(plan.windowSeconds * 1e9)) { [weak self] in
            self?.settleWindowEnded()
        }
    }

    private func beginWindow() {
        window = ModeResult(mode: mode ?? .reused)
        windowSeen.removeAll(keepingCapacity: true)
        windowCPU = plan.serverPID.flatMap { ProcStats.cpuSeconds(pid: $0) }
        windowClientCPU = ProcStats.ownCPUSeconds()
        phaseStart = now
    }

    private func settleWindowEnded() {
        guard phase == .settling else { return }
        let seen = windowSeen.count
        if seen > settleBest {
            settleBest = seen
            settleStable = 0
        } else {
            settleStable += 1
        }
        populate.tableSeen = seen
        let elapsed = Double(now - settleStart) / 1e9
        if settleStable >= plan.stableWindows || elapsed >= plan.settleTimeoutSeconds {
            populate.settled = settleStable >= plan.stableWindows
            populate.settleSeconds = elapsed
            for (reason, count) in window.failureReasons {
                populate.failureReasons["settle: " + reason, default: 0] += count
            }
            startMode()
            return
        }
        beginWindow()
        phaseTimer = loop.schedule(afterNanoseconds: UInt64(plan.windowSeconds * 1e9)) { [weak self] in
            self?.settleWindowEnded()
        }
    }

    private func startMode() {
        guard modeIndex < plan.modes.count else { return finishAll() }
        let mode = plan.modes[modeIndex]
        phase = .warmup(mode)
        beginWindow()
        phaseTimer = loop.schedule(afterNanoseconds: UInt64(plan.warmupSeconds * 1e9)) { [weak self] in
            guard let self else { return }
            self.phase = .measuring(mode)
            self.beginWindow()
            self.phaseTimer = self.loop.schedule(afterNanoseconds: UInt64(self.plan.seconds * 1e9)) {
                [weak self] in
                self?.endMeasure()
            }
        }
    }

    private func endMeasure() {
        var result = window
        result.seconds = Double(now - phaseStart) / 1e9
        if let pid = plan.serverPID, let before = windowCPU, let after = ProcStats.cpuSeconds(pid: pid) {
            result.serverCPUSeconds = after - before
            result.serverRSSKiB = ProcStats.rssKiB(pid: pid)
        }
        result.clientCPUSeconds = ProcStats.ownCPUSeconds() - windowClientCPU
        result.tableSeen = windowSeen.count
        results.append(result)
        modeIndex += 1
        startMode()
    }

    private func finishAll() {
        guard phase != .done else { return }
        phase = .done
        for timer in [sweepTimer, phaseTimer].compactMap({ $0 }) { loop.cancel(timer) }
        for worker in workers { if let timer = worker.retry { loop.cancel(timer) } }
        onDone(populate, results)
    }

    /// Sends the worker's next request: on its stream in the reused mode, on a new stream otherwise.
    private func send(_ worker: Worker, _ out: inout Libp2pConnection.Output) {
        let conn = worker.conn
        guard let mode, !conn.closed, conn.machine != nil else { return }
        var key: [UInt8] = [0x12, 0x20]
        key += SecureRandom.bytes(32)
        let request = KadMessage(type: .findNode, key: key).framedBytes
        if mode == .reused, let id = worker.stream {
            guard conn.machine?.write(id, request, output: &out) == request.count else {
                conn.workers[id] = nil
                worker.stream = nil
                conn.machine?.resetStream(id, output: &out)
                window.fail("write refused")
                return retryLater(worker)
            }
        } else {
            if let id = worker.stream {
                conn.workers[id] = nil
                conn.machine?.closeWrite(id, output: &out)
            }
            guard let (id, opened) = conn.machine?.openStream(plan.protocolID, now: now) ?? nil else {
                worker.stream = nil
                window.fail("stream not opened")
                return retryLater(worker)
            }
            out.bytes += opened.bytes
            worker.stream = id
            worker.framer = LengthPrefixedFramer(maxFrameSize: 64 * 1024)
            conn.workers[id] = worker
            _ = conn.machine?.write(id, request, output: &out)
        }
        worker.awaiting = true
        worker.sentAt = now
    }

    private func received(
        _ worker: Worker, _ id: UInt32, _ bytes: ArraySlice<UInt8>, _ out: inout Libp2pConnection.Output
    ) {
        guard worker.awaiting, worker.stream == id else { return }
        worker.framer.append(bytes)
        let frame: [UInt8]?
        do {
            frame = try worker.framer.nextFrame()
        } catch {
            return abandon(worker, id, "bad length prefix", &out)
        }
        guard let frame else { return }
        worker.awaiting = false
        guard let response = try? KadMessage(bytes: frame) else { return abandon(worker, id, "malformed answer", &out) }
        guard response.type == .findNode else { return abandon(worker, id, "answer of another type", &out) }
        guard !response.closerPeers.isEmpty else { return abandon(worker, id, "no closer peers", &out) }
        for peer in response.closerPeers {
            guard (try? PeerID(multihashBytes: peer.id)) != nil else {
                return abandon(worker, id, "bad peer ID in answer", &out)
            }
        }
        for peer in response.closerPeers {
            if dhtPeerIDs.contains(peer.id) {
                windowSeen.insert(peer.id)
            } else {
                window.foreignPeers += 1
            }
        }
        window.requests += 1
        window.closerPeers += response.closerPeers.count
        let micros = (now - worker.sentAt) / 1000
        window.latenciesMicroseconds.append(UInt32(min(micros, UInt64(UInt32.max))))
        if mode != .reused || worker.framer.bufferedByteCount > 0 {
            worker.conn.workers[id] = nil
            worker.stream = nil
            worker.conn.machine?.closeWrite(id, output: &out)
        }
        send(worker, &out)
    }

    /// A request failed on its stream: reset the stream, count the error, and try again shortly.
    private func abandon(_ worker: Worker, _ id: UInt32, _ reason: String, _ out: inout Libp2pConnection.Output) {
        worker.awaiting = false
        worker.stream = nil
        worker.conn.workers[id] = nil
        worker.conn.machine?.resetStream(id, output: &out)
        window.fail(reason)
        retryLater(worker)
    }

    /// After a failure the worker waits 10 ms, so that a server refusing everything is not spun against.
    private func retryLater(_ worker: Worker) {
        guard worker.retry == nil, phase != .done else { return }
        worker.retry = loop.schedule(afterNanoseconds: 10_000_000) { [weak self, weak worker] in
            guard let self, let worker else { return }
            worker.retry = nil
            guard !worker.awaiting, !worker.conn.closed else { return }
            var out = Libp2pConnection.Output()
            self.send(worker, &out)
            self.process(worker.conn, &out, {})
        }
    }

    /// Requests older than the timeout fail; their streams are reset.
    private func sweep() {
        guard phase != .done else { return }
        let limit = UInt64(plan.requestTimeoutSeconds * 1e9)
        let current = now
        for worker in workers where worker.awaiting && current - worker.sentAt > limit {
            var out = Libp2pConnection.Output()
            if let id = worker.stream { abandon(worker, id, "timeout", &out) }
            process(worker.conn, &out, {})
        }
        sweepTimer = loop.schedule(afterNanoseconds: 1_000_000_000) { [weak self] in self?.sweep() }
    }

    /// A failure reason without addresses or ports, so equal failures count together.
    static func reason(_ error: RuntimeError) -> String {
        guard error.errno != 0, let text = strerror(error.errno) else { return error.operation }
        return "\(error.operation): \(String(cString: text))"
    }
}
