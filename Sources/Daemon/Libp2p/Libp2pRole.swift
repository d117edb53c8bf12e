import Crypto
import Identify
import Libp2pCore
import Limits
import Metrics
import Node
import Noise
import WaystoneRuntime
import Yamux

#if canImport(Glibc)
    import Glibc
#endif

/// The libp2p listener: TCP on every `libp2p.listen` address, each connection upgraded by ``Libp2pConnection``
/// (multistream → Noise → Yamux) and answering identify and ping; peers' identify goes into a bounded
/// ``Peerstore``, and ours is pushed again when the addresses behind a `0.0.0.0`/`::` listener change. Kademlia,
/// relay, rendezvous and AutoNAT plug in here in later work.
final class Libp2pRole: DaemonRole {
    struct StartError: Error, CustomStringConvertible {
        let description: String
    }

    static let agentVersion = "waystone/\(WaystoneVersion.current)"
    static let protocolVersion = "ipfs/0.1.0"
    /// Protocols every connection accepts on inbound streams; services add theirs.
    static let baseProtocols = [
        Libp2pConnection.identifyProtocol, Libp2pConnection.identifyPushProtocol, Libp2pConnection.pingProtocol,
    ]
    /// Protocols accepted on inbound streams (advertised in identify).
    let protocols: [String]
    let services: [any Libp2pService]
    let router: Libp2pServiceRouter
    /// Upgraded connections by remote peer.
    var sessionsByPeer: [PeerID: [ObjectIdentifier: Libp2pSession]] = [:]
    /// Callers of ``connect(to:at:completion:)`` waiting for a dial in progress.
    var dialWaiters: [PeerID: (token: UInt64, waiters: [(Libp2pSession?) -> Void])] = [:]
    var nextDialToken: UInt64 = 0
    /// Dials started by ``connect(to:at:completion:)`` and not finished.
    static let maxDialsInFlight = 64

    let name = "libp2p"
    internal(set) var boundAddresses: [String] = []
    var activeWork: Int { 0 }

    let loop: EventLoop
    let identity: Libp2pPrivateKey
    let limits: WaystoneConfig.Libp2pLimits
    let metrics: Libp2pMetrics
    var listeners: [TCPListener] = []
    /// `libp2p.peers`: kept connected (dialed at start, redialed after a failure or a disconnect).
    final class ConfiguredPeer {
        let id: PeerID
        let address: SocketAddress
        var redialTimer: TimerHandle?

        init(id: PeerID, address: SocketAddress) {
            self.id = id
            self.address = address
        }
    }

    static let redialNanoseconds: UInt64 = 10_000_000_000
    var peers: [ConfiguredPeer] = []
    var isStopped = false
    let handshakeNanoseconds: UInt64
    let log: (String, [(String, String)]) -> Void
    var sessions: [ObjectIdentifier: Libp2pSession] = [:]
    /// Connection counts per IP group and handshakes in progress, against `libp2p.limits`.
    var admission: Libp2pAdmissionGate
    /// Bytes all connections hold (socket write queues and what the machines buffer).
    internal(set) var bufferedBytes = 0
    internal(set) var peerstore: Peerstore
    let connectionLimits: ConnectionLimits
    /// One Noise static key and signed payload for every connection of this process.
    let noiseIdentity: NoiseLocalIdentity
    /// Reads the host's interface addresses for a port (injectable for tests).
    let interfaceAddresses: (UInt16) -> [SocketAddress]
    let announced: [Multiaddr]
    let allowPrivateAddresses: Bool
    var refreshTimer: TimerHandle?
    var recordSequence: UInt64 = 0
    let yamuxConfig: YamuxConfig
    /// What identify advertises: listen addresses and the signed peer record built from them.
    var advertised: [Multiaddr] = []
    /// The addresses identify advertises (for services that hand out our own address).
    var advertisedAddresses: [Multiaddr] { advertised }
    var signedPeerRecord: [UInt8]?

    init(
        config: WaystoneConfig.Libp2pSection, isDefaultListen: Bool, identity: Libp2pPrivateKey, loop: EventLoop,
        metrics: Libp2pMetrics, warn: (String) -> Void, log: @escaping (String, [(String, String)]) -> Void,
        interfaceAddresses: @escaping (UInt16) -> [SocketAddress] = { InterfaceAddresses.all(port: $0) },
        services: [any Libp2pService] = []
    ) throws(StartError) {
        self.services = services
        router = Libp2pServiceRouter(services: services)
        protocols = Self.baseProtocols + services.flatMap(\.protocols)
        self.loop = loop
        self.identity = identity
        self.metrics = metrics
        self.log = log
        self.interfaceAddresses = interfaceAddresses
        allowPrivateAddresses = config.allowPrivateAddresses
        limits = config.limits
        peerstore = Peerstore(capacity: config.limits.maxPeerstorePeers)
        var connectionLimits = ConnectionLimits()
        connectionLimits.maxRSAKeyBits = config.limits.maxRsaKeyBits
        connectionLimits.maxInboundStreamsPerProtocol = config.limits.maxInboundStreamsPerProtocol
        self.connectionLimits = connectionLimits
        do {
            noiseIdentity = try NoiseLocalIdentity(identity: identity, randomBytes: SecureRandom.bytes)
        } catch {
            throw StartError(description: "noise static key: \(error)")
        }
        announced = config.announce.compactMap { try? Multiaddr($0) }
        handshakeNanoseconds = UInt64(config.limits.handshakeTimeoutSeconds) * 1_000_000_000
        admission = Libp2pAdmissionGate(limits: config.limits)
        var yamux = YamuxConfig()
        yamux.maxStreams = config.limits.maxStreamsPerConnection
        yamux.maxStreamWindow = UInt32(clamping: config.limits.maxStreamWindowBytes)
        if config.limits.maxBufferedBytesPerConnection > 0 {
            // The connection's budget (socket queue + Yamux send queues, `account`) must hold at its worst: the
            // socket just under its high-water mark, one call puts out a write's direct frames (at most
            // `maxPendingOutputBytes` plus a frame) and everything queued, then, the socket backed up, the queues
            // fill again. So the queues get what is left, halved.
            let perConnection = config.limits.maxBufferedBytesPerConnection
            let highWater = Self.socketHighWaterMark(perConnection)
            yamux.maxPendingOutputBytes = min(yamux.maxPendingOutputBytes, highWater)
            yamux.maxDataFrameSize = min(yamux.maxDataFrameSize, max(4 * 1024, perConnection / 16))
            let burst = yamux.maxPendingOutputBytes + yamux.maxDataFrameSize
            let queues = max(4 * 1024, (perConnection - highWater - burst) / 2 - 4 * 1024)
            yamux.maxQueuedBytesTotal = min(yamux.maxQueuedBytesTotal, queues)
            yamux.maxQueuedBytesPerStream = min(yamux.maxQueuedBytesPerStream, yamux.maxQueuedBytesTotal)
        }
        yamuxConfig = yamux
        for text in config.peers {
            guard let multiaddr = try? Multiaddr(text), case (let transport?, let id?) = multiaddr.decapsulateP2P(),
                let ip = transport.ipAddress, let port = transport.tcpPort,
                let address = try? SocketAddress(addressBytes: ip, port: port)
            else {
                throw StartError(description: "libp2p.peers: \(text) is not an /ip4|ip6/…/tcp/…/p2p/<peer ID> address")
            }
            guard config.allowPrivateAddresses || transport.isPublic else {
                throw StartError(
                    description:
                        "libp2p.peers: \(text) is not a public address (set libp2p.allowPrivateAddresses to dial it)")
            }
            peers.append(ConfiguredPeer(id: id, address: address))
        }
        var addresses: [SocketAddress] = []
        for text in config.listen {
            guard let multiaddr = try? Multiaddr(text), let ip = multiaddr.ipAddress, let port = multiaddr.tcpPort,
                let address = try? SocketAddress(addressBytes: ip, port: port)
            else { throw StartError(description: "libp2p.listen: \(text) is not an /ip4|ip6/…/tcp/… address") }
            addresses.append(address)
        }
        do {
            listeners = try ListenerPolicy.bindAll(
                addresses, key: "libp2p.listen", isDefault: isDefaultListen, warn: warn
            ) { (address: SocketAddress) throws(RuntimeError) in
                try loop.listenTCP(address) { [unowned self] connection in self.accept(connection) }
            }
        } catch {
            throw StartError(description: error.description)
        }
        boundAddresses = listeners.compactMap { Self.multiaddr($0.localAddress)?.description }
        advertise(currentAddresses())
        if announced.isEmpty && config.addressRefreshSeconds > 0 {
            scheduleAddressRefresh(every: UInt64(config.addressRefreshSeconds) * 1_000_000_000)
        }
        for service in services { service.start(host: self) }
        for peer in peers { dial(peer) }
    }

    func stopAcceptingWork() {
        isStopped = true
        for service in services { service.stop() }
        if let refreshTimer { loop.cancel(refreshTimer) }
        refreshTimer = nil
        for peer in peers {
            if let timer = peer.redialTimer { loop.cancel(timer) }
            peer.redialTimer = nil
        }
        for listener in listeners { listener.close() }
        listeners.removeAll()
        for session in sessions.values { session.connection.close() }
    }

    func flush() {}

    /// Above this many bytes in a connection's socket queue, reading from it pauses and its stream data waits in
    /// Yamux: 256 KiB, or a quarter of `maxBufferedBytesPerConnection` when that is smaller.
    static func socketHighWaterMark(_ perConnection: Int) -> Int {
        perConnection > 0 ? min(256 * 1024, max(16 * 1024, perConnection / 4)) : 256 * 1024
    }

    /// Starts the upgrade on a new TCP connection, either side.
    /// - Parameter dialToken: the ``connect(to:at:completion:)`` dial this connection serves (its waiters).
    func begin(
        _ connection: TCPConnection, direction: Libp2pConnection.Direction, peer: ConfiguredPeer? = nil,
        dialToken: UInt64? = nil
    ) {
        let ip = Self.ipGroup(connection.remoteAddress)
        let observed = Self.multiaddr(connection.remoteAddress)
        var machine: Libp2pConnection
        do {
            machine = try Libp2pConnection(
                direction: direction, identity: identity, noiseIdentity: noiseIdentity,
                randomBytes: SecureRandom.bytes, yamux: yamuxConfig,
                limits: connectionLimits, applicationProtocols: Set(protocols).subtracting(Self.baseProtocols)
            ) { [unowned self] _ in self.identifyMessage(observed: observed) }
        } catch {
            connection.close()
            if case .outbound(let expected) = direction, dialToken != nil, dialWaiters[expected]?.token == dialToken {
                for waiter in dialWaiters.removeValue(forKey: expected)?.waiters ?? [] { waiter(nil) }
            }
            if let peer { scheduleRedial(peer) }
            return
        }
        let key = ObjectIdentifier(connection)
        let opening = machine.start()
        let session = Libp2pSession(connection: connection, machine: machine, startedAt: loop.nowNanoseconds())
        session.dialToken = dialToken
        sessions[key] = session
        admission.opened(group: ip, inbound: session.isInbound)
        metrics.connections.set(Double(sessions.count))
        let perConnection = limits.maxBufferedBytesPerConnection
        connection.highWaterMark = Self.socketHighWaterMark(perConnection)
        // A backstop only: `account` closes (and counts) a connection over its limit first.
        if perConnection > 0 { connection.maxQueuedBytes = 2 * perConnection + 128 * 1024 }
        connection.onRead = { [unowned self, unowned session] _, bytes in
            // Everything this read provokes (answers from every service included) leaves in one write.
            session.corked = true
            session.machine.defersSealing = true
            self.apply(session.machine.receive(bytes, now: self.loop.nowNanoseconds()), session)
            session.machine.defersSealing = false
            var sealed = Libp2pConnection.Output()
            session.machine.flush(output: &sealed)
            session.corked = false
            self.flushOutbox(session)
            self.apply(sealed, session)
            self.releaseIfDrained(session)
        }
        connection.onDrained = { [unowned self, unowned session] _ in self.account(session) }
        connection.onWritable = { [unowned self, unowned session] _ in self.releaseIfDrained(session) }
        connection.onClose = { [weak self, weak peer] _, _ in
            guard let self, let session = self.sessions.removeValue(forKey: key) else { return }
            for timer in [session.handshakeTimer, session.tickTimer].compactMap({ $0 }) { self.loop.cancel(timer) }
            if session.upgraded {
                self.metrics.closed(session.direction)
                if let peer = session.remotePeer {
                    self.sessionsByPeer[peer]?[key] = nil
                    if self.sessionsByPeer[peer]?.isEmpty == true { self.sessionsByPeer[peer] = nil }
                }
                for service in self.services { service.connectionClosed(session) }
            } else if let expected = session.expectedPeer, let token = session.dialToken,
                self.dialWaiters[expected]?.token == token
            {
                // Only this dial's waiters: a newer dial to the same peer may still succeed.
                for waiter in self.dialWaiters.removeValue(forKey: expected)?.waiters ?? [] { waiter(nil) }
            }
            for (name, count) in session.machine.openInboundStreams { self.metrics.streamsEnded(name, count: count) }
            self.bufferedBytes -= session.buffered
            self.admission.closed(group: ip, handshaking: session.isInbound && !session.upgraded)
            self.metrics.connections.set(Double(self.sessions.count))
            if let peer { self.scheduleRedial(peer) }
        }
        session.handshakeTimer = loop.schedule(afterNanoseconds: handshakeNanoseconds) { [weak self, weak session] in
            guard let self, let session, !session.upgraded, !session.connection.isClosed else { return }
            self.metrics.handshakeFailed("timeout")
            session.connection.close()
        }
        if !opening.bytes.isEmpty { apply(opening, session) }
    }

    /// Writes what the machine produced and acts on its events. `fromService`: the output of a call a service made
    /// (write, close, …); its events (e.g. another stream's `streamWritable`) come on the next loop turn, so a
    /// service is never called back from inside its own call.
    func apply(_ output: Libp2pConnection.Output, _ session: Libp2pSession, fromService: Bool = false) {
        if session.corked {
            session.outbox += output.bytes
            holdBackIfBackpressured(session)
        } else if !output.bytes.isEmpty {
            flushOutbox(session)
            session.connection.write(output.bytes)
            holdBackIfBackpressured(session)
        }
        if fromService {
            deferEvents(output.events, session)
        } else {
            for event in output.events { handle(event, session) }
        }
        if output.close {
            flushOutbox(session)
            session.connection.closeAfterFlush()
            return
        }
        // While a read is handled, the final apply at its end counts memory and arms the timer once.
        guard !session.corked, account(session) else { return }
        armTick(session)
    }

    private func deferEvents(_ events: [ConnectionEvent], _ session: Libp2pSession) {
        guard !events.isEmpty else { return }
        let first = session.deferredEvents.isEmpty
        session.deferredEvents += events
        guard first else { return }
        _ = loop.schedule(afterNanoseconds: 0) { [weak self, weak session] in
            guard let self, let session, !session.connection.isClosed else { return }
            var output = Libp2pConnection.Output()
            output.events = session.deferredEvents
            session.deferredEvents = []
            self.apply(output, session)
        }
    }

    func flushOutbox(_ session: Libp2pSession) {
        guard !session.outbox.isEmpty else { return }
        session.connection.write(session.outbox)
        session.outbox = []  // idle connections keep no buffer
        holdBackIfBackpressured(session)
    }

    /// Once the socket's queue (with what a read handled so far has for it) is over its high-water mark, stream data
    /// waits in Yamux (bounded) until the socket drained (``releaseIfDrained(_:)``).
    func holdBackIfBackpressured(_ session: Libp2pSession) {
        let connection = session.connection
        guard !session.transportBlocked,
            connection.isBackpressured || connection.queuedBytes + session.outbox.count > connection.highWaterMark
        else { return }
        session.transportBlocked = true
        metrics.backpressured(session.direction)
        var output = Libp2pConnection.Output()
        session.machine.setTransportBlocked(true, output: &output)
    }

    /// The socket is below its high-water mark again (its low-water event, or the end of a read whose output was
    /// held back): stream data held in Yamux moves again.
    func releaseIfDrained(_ session: Libp2pSession) {
        guard session.transportBlocked, !session.connection.isBackpressured, !session.connection.isClosed else {
            return
        }
        session.transportBlocked = false
        var output = Libp2pConnection.Output()
        session.machine.setTransportBlocked(false, output: &output)
        apply(output, session)
    }

    func handle(_ event: ConnectionEvent, _ session: Libp2pSession) {
        let now = loop.nowNanoseconds()
        switch event {
        case .upgraded:
            if session.isInbound && !session.upgraded { admission.upgraded() }
            session.upgraded = true
            if let timer = session.handshakeTimer { loop.cancel(timer) }
            session.handshakeTimer = nil
            metrics.opened(session.direction, handshakeSeconds: Double(now - session.startedAt) / 1e9)
            if let peer = session.remotePeer {
                sessionsByPeer[peer, default: [:]][ObjectIdentifier(session.connection)] = session
                for waiter in dialWaiters.removeValue(forKey: peer)?.waiters ?? [] { waiter(session) }
            }
        case .identified(let peer, let info):
            metrics.identify("received")
            remember(peer, info, now, session)
            if !session.isInbound {
                log(
                    "peer identified",
                    [
                        ("peer", peer.description), ("agent", info.agentVersion ?? ""),
                        ("protocols", "\(info.protocols.count)"),
                    ])
            }
        case .identifyPushed(let peer, let info):
            metrics.identifyPush("received")
            remember(peer, info, now, session)
        case .identifyPushSent:
            metrics.identifyPush("sent")
        case .failed(let reason):
            guard !session.upgraded else { break }
            if session.isInbound {
                metrics.handshakeFailed(reason.hasPrefix("noise") ? "noise" : "negotiation")
            } else {
                metrics.dialFailed("handshake")
                log("dial failed", [("address", "\(session.connection.remoteAddress)"), ("error", reason)])
            }
        case .streamProtocol(let name):
            metrics.streamOpened(name)
            if name == Libp2pConnection.identifyProtocol { metrics.identify("sent") }
        case .streamEnded(let name):
            metrics.streamsEnded(name)
        case .streamRefused(let name):
            metrics.blocked("inbound", name == nil ? "connection" : "protocol", "streams")
        case .streamOpened, .streamData, .streamWritable, .streamFinished, .streamReset, .streamOpenFailed,
            .streamClosed:
            _ = router.route(event, session)
        case .secured:
            break
        }
    }

    func remember(_ peer: PeerID, _ info: IdentifyMessage, _ now: UInt64, _ session: Libp2pSession) {
        peerstore.update(peer, with: info, now: now)
        metrics.peerstorePeers.set(Double(peerstore.count))
        guard let entry = peerstore[peer] else { return }
        for service in services { service.peerIdentified(session, peer, entry) }
    }

    /// Yamux keep-alive deadlines.
    func armTick(_ session: Libp2pSession) {
        guard session.tickTimer == nil, let deadline = session.machine.nextDeadline else { return }
        session.tickTimer = loop.schedule(atNanoseconds: deadline) { [weak self, weak session] in
            guard let self, let session, !session.connection.isClosed else { return }
            session.tickTimer = nil
            self.apply(session.machine.tick(now: self.loop.nowNanoseconds()), session)
        }
    }
}
