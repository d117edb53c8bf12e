import BenchSupport
import Crypto
import Glibc
import Identify
import Libp2pCore
import Node
import WaystoneRuntime

/// What one load run asks for.
struct LoadPlan {
    var server: SocketAddress
    var serverPeer: PeerID
    var connections: Int
    /// Connections still upgrading at once.
    var concurrency = 128
    /// Local addresses the connections come from, round robin (empty: the kernel's choice).
    var sources: [SocketAddress] = []
    /// Seconds all upgraded connections are held idle after the last one finished, before the RSS is read.
    var holdSeconds = 3.0
    /// The whole connect phase must end within this many seconds.
    var timeoutSeconds = 300.0
    /// Per connection: TCP connect, then the upgrade up to identify.
    var connectTimeoutSeconds = 60.0
    /// The server process whose CPU time and RSS are read (nil: none).
    var serverPID: Int32?
}

/// What one load run measured.
struct LoadResult {
    var identified = 0
    /// Connections that ended before `.identified` (refused, reset, Noise failure, timeout, ...).
    var failed = 0
    /// Connections that closed after `.identified` while they were to be held.
    var dropped = 0
    /// `.identified` whose public key is missing or is not the server's.
    var badIdentify = 0
    /// Connections still open at the end of the hold.
    var held = 0
    var timedOut = false
    var connectSeconds = 0.0
    var serverCPUBefore: Double?
    var serverCPUAfterConnect: Double?
    var serverCPUAfterHold: Double?
    var serverRSSBeforeKiB: Int?
    var serverRSSHeldKiB: Int?
    var failureReasons: [String: Int] = [:]

    var errors: Int { failed + dropped + badIdentify }
}

/// Opens ``LoadPlan/connections`` libp2p connections with Node's ``Libp2pConnection`` on one ``EventLoop``: each a
/// fresh Ed25519 identity, multistream `/noise` → Noise XX (the server must be ``LoadPlan/serverPeer``) → `/yamux`
/// → identify. Done when every connection is identified or failed, then holds them idle.
final class LoadClient {
    private final class Session {
        let tcp: TCPConnection
        var machine: Libp2pConnection
        var identified = false
        var failure: String?
        var deadline: TimerHandle?
        var tick: TimerHandle?

        init(tcp: TCPConnection, machine: Libp2pConnection) {
            self.tcp = tcp
            self.machine = machine
        }
    }

    private let loop: EventLoop
    private let plan: LoadPlan
    private let onDone: (LoadResult) -> Void
    private var result = LoadResult()
    private var started = 0
    private var inFlight = 0
    private var sessions: [ObjectIdentifier: Session] = [:]
    private var startNanoseconds: UInt64 = 0
    private var holding = false
    private var finished = false
    private var overallTimer: TimerHandle?

    init(loop: EventLoop, plan: LoadPlan, onDone: @escaping (LoadResult) -> Void) {
        self.loop = loop
        self.plan = plan
        self.onDone = onDone
    }

    /// Reads the server's starting figures and opens the first ``LoadPlan/concurrency`` connections.
    func start() {
        if let pid = plan.serverPID {
            result.serverCPUBefore = ProcStats.cpuSeconds(pid: pid)
            result.serverRSSBeforeKiB = ProcStats.rssKiB(pid: pid)
        }
        startNanoseconds = loop.nowNanoseconds()
        overallTimer = loop.schedule(afterNanoseconds: UInt64(plan.timeoutSeconds * 1e9)) { [weak self] in
            guard let self, !self.holding, !self.finished else { return }
            self.result.timedOut = true
            self.endConnectPhase()
        }
        launch()
        if plan.connections == 0 { endConnectPhase() }
    }

    private func launch() {
        while !holding && started < plan.connections && inFlight < plan.concurrency {
            let index = started
            started += 1
            inFlight += 1
            let source = plan.sources.isEmpty ? nil : plan.sources[index % plan.sources.count]
            do {
                try loop.connectTCP(
                    plan.server, from: source, timeoutNanoseconds: UInt64(plan.connectTimeoutSeconds * 1e9)
                ) { [weak self] outcome in
                    guard let self else { return }
                    switch outcome {
                    case .success(let tcp): self.begin(tcp)
                    case .failure(let error): self.failedBeforeIdentify(Self.reason(error))
                    }
                }
            } catch {
                failedBeforeIdentify(Self.reason(error))
            }
        }
    }

    private func begin(_ tcp: TCPConnection) {
        guard !holding else {
            tcp.close()
            return
        }
        let identity = Libp2pPrivateKey.generateEd25519()
        let message = IdentifyMessage(
            protocolVersion: "ipfs/0.1.0", agentVersion: "libp2pload", publicKey: identity.publicKey.protobufBytes,
            listenAddrs: [], observedAddr: nil,
            protocols: [Libp2pConnection.identifyProtocol, Libp2pConnection.pingProtocol], signedPeerRecord: nil)
        let machine: Libp2pConnection
        do {
            machine = try Libp2pConnection(
                direction: .outbound(expectedPeer: plan.serverPeer), identity: identity,
                randomBytes: SecureRandom.bytes
            ) { _ in message }
        } catch {
            tcp.close()
            failedBeforeIdentify("noise setup")
            return
        }
        let session = Session(tcp: tcp, machine: machine)
        let key = ObjectIdentifier(tcp)
        sessions[key] = session
        tcp.onRead = { [unowned self, unowned session] _, bytes in
            self.apply(session.machine.receive(Array(bytes), now: self.loop.nowNanoseconds()), session)
        }
        tcp.onClose = { [weak self] _, error in
            guard let self, let session = self.sessions.removeValue(forKey: key) else { return }
            for timer in [session.deadline, session.tick].compactMap({ $0 }) { self.loop.cancel(timer) }
            if session.identified {
                if !self.finished { self.result.dropped += 1 }
            } else {
                self.failedBeforeIdentify(
                    session.failure ?? error.map(Self.reason) ?? "closed by the server before identify")
            }
        }
        session.deadline = loop.schedule(afterNanoseconds: UInt64(plan.connectTimeoutSeconds * 1e9)) {
            [weak session] in
            guard let session, !session.identified, !session.tcp.isClosed else { return }
            session.failure = "upgrade timeout"
            session.tcp.close()
        }
        apply(session.machine.start(), session)
    }

    private func apply(_ output: Libp2pConnection.Output, _ session: Session) {
        if !output.bytes.isEmpty { session.tcp.write(output.bytes) }
        for event in output.events {
            switch event {
            case .identified(let peer, let message):
                guard !session.identified, !holding else { break }
                session.identified = true
                if let timer = session.deadline { loop.cancel(timer) }
                session.deadline = nil
                let key = message.publicKey.flatMap { try? Libp2pPublicKey(protobufBytes: $0) }
                if peer != plan.serverPeer || key?.peerID != plan.serverPeer { result.badIdentify += 1 }
                result.identified += 1
                inFlight -= 1
                progressed()
            case .failed(let reason):
                if session.failure == nil { session.failure = String(reason.prefix(60)) }
            default:
                break
            }
        }
        if output.close {
            session.tcp.closeAfterFlush()
            return
        }
        armTick(session)
    }

    /// Yamux keep-alive deadlines of an idle connection.
    private func armTick(_ session: Session) {
        guard session.tick == nil, let deadline = session.machine.nextDeadline else { return }
        session.tick = loop.schedule(atNanoseconds: deadline) { [weak self, weak session] in
            guard let self, let session, !session.tcp.isClosed else { return }
            session.tick = nil
            self.apply(session.machine.tick(now: self.loop.nowNanoseconds()), session)
        }
    }

    /// A failure reason without addresses or ports, so equal failures count together.
    private static func reason(_ error: RuntimeError) -> String {
        guard error.errno != 0, let text = strerror(error.errno) else { return error.operation }
        return "\(error.operation): \(String(cString: text))"
    }

    private func failedBeforeIdentify(_ reason: String) {
        inFlight -= 1
        if !holding {
            result.failed += 1
            result.failureReasons[reason, default: 0] += 1
        }
        progressed()
    }

    private func progressed() {
        if !holding && result.identified + result.failed >= plan.connections {
            endConnectPhase()
        } else {
            launch()
        }
    }

    /// Every connection is identified or failed (or time is up): read the CPU, hold, then read the RSS.
    private func endConnectPhase() {
        guard !holding else { return }
        holding = true
        if let overallTimer { loop.cancel(overallTimer) }
        result.connectSeconds = Double(loop.nowNanoseconds() - startNanoseconds) / 1e9
        let unfinished = plan.connections - result.identified - result.failed
        if unfinished > 0 {
            result.failed += unfinished
            result.failureReasons["not done within \(plan.timeoutSeconds) s", default: 0] += unfinished
            for session in sessions.values where !session.identified { session.tcp.close() }
        }
        if let pid = plan.serverPID { result.serverCPUAfterConnect = ProcStats.cpuSeconds(pid: pid) }
        loop.schedule(afterNanoseconds: UInt64(plan.holdSeconds * 1e9)) { [weak self] in self?.finish() }
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        if let pid = plan.serverPID {
            result.serverRSSHeldKiB = ProcStats.rssKiB(pid: pid)
            result.serverCPUAfterHold = ProcStats.cpuSeconds(pid: pid)
        }
        result.held = sessions.values.filter { $0.identified && !$0.tcp.isClosed }.count
        onDone(result)
    }

    /// Closes every connection (after ``finish()``, so the closes are not counted).
    func closeAll() {
        for session in sessions.values { session.tcp.close() }
    }
}
