import Crypto
import Identify
import Libp2pCore
import Limits
import Metrics
import Node
import WaystoneRuntime
import Yamux

#if canImport(Glibc)
    import Glibc
#endif

/// The libp2p listener: TCP on every `libp2p.listen` address, each connection upgraded by ``Libp2pConnection``
/// (multistream → Noise → Yamux) and answering identify and ping. Kademlia, relay, rendezvous and AutoNAT plug in
/// here in later work.
final class Libp2pRole: DaemonRole {
    struct StartError: Error, CustomStringConvertible {
        let description: String
    }

    private final class Session {
        let connection: TCPConnection
        var machine: Libp2pConnection
        var handshakeTimer: TimerHandle?
        var tickTimer: TimerHandle?
        var upgraded = false
        let isInbound: Bool

        init(connection: TCPConnection, machine: Libp2pConnection) {
            self.connection = connection
            self.machine = machine
            isInbound = machine.direction == .inbound
        }
    }

    static let agentVersion = "waystone/\(WaystoneVersion.current)"
    static let protocolVersion = "ipfs/0.1.0"
    /// Protocols accepted on inbound streams (advertised in identify).
    static let protocols = [
        Libp2pConnection.identifyProtocol, Libp2pConnection.identifyPushProtocol, Libp2pConnection.pingProtocol,
    ]

    let name = "libp2p"
    private(set) var boundAddresses: [String] = []
    var activeWork: Int { 0 }

    private let loop: EventLoop
    private let identity: Libp2pPrivateKey
    private let limits: WaystoneConfig.Libp2pLimits
    private let metrics: Libp2pMetrics
    private var listeners: [TCPListener] = []
    /// `libp2p.peers`: kept connected (dialed at start, redialed after a failure or a disconnect).
    private final class ConfiguredPeer {
        let id: PeerID
        let address: SocketAddress
        var redialTimer: TimerHandle?

        init(id: PeerID, address: SocketAddress) {
            self.id = id
            self.address = address
        }
    }

    static let redialNanoseconds: UInt64 = 10_000_000_000
    private var peers: [ConfiguredPeer] = []
    private var isStopped = false
    private let handshakeNanoseconds: UInt64
    private let log: (String, [(String, String)]) -> Void
    private var sessions: [ObjectIdentifier: Session] = [:]
    private var connectionsPerIP: [[UInt8]: Int] = [:]
    private var connectionRate: PerIPRateLimiter
    /// Inbound connections not upgraded yet.
    private var pendingHandshakes = 0
    private let yamuxConfig: YamuxConfig
    /// What identify advertises: listen addresses and the signed peer record built from them.
    private var advertised: [Multiaddr] = []
    private var signedPeerRecord: [UInt8]?

    init(
        config: WaystoneConfig.Libp2pSection, isDefaultListen: Bool, identity: Libp2pPrivateKey, loop: EventLoop,
        metrics: Libp2pMetrics, warn: (String) -> Void, log: @escaping (String, [(String, String)]) -> Void
    ) throws(StartError) {
        self.loop = loop
        self.identity = identity
        self.metrics = metrics
        self.log = log
        limits = config.limits
        handshakeNanoseconds = UInt64(config.limits.handshakeTimeoutSeconds) * 1_000_000_000
        connectionRate = PerIPRateLimiter(
            requestsPerSecond: Double(config.limits.newConnectionsPerSecondPerIP),
            burst: Double(config.limits.newConnectionsBurstPerIP), penaltyNanoseconds: 0, maxTrackedIPs: 100_000)
        var yamux = YamuxConfig()
        yamux.maxStreams = config.limits.maxStreamsPerConnection
        yamuxConfig = yamux
        for text in config.peers {
            guard let multiaddr = try? Multiaddr(text), case (let transport?, let id?) = multiaddr.decapsulateP2P(),
                let ip = transport.ipAddress, let port = transport.tcpPort,
                let address = try? SocketAddress(addressBytes: ip, port: port)
            else {
                throw StartError(description: "libp2p.peers: \(text) is not an /ip4|ip6/…/tcp/…/p2p/<peer ID> address")
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
        let announce = config.announce.compactMap { try? Multiaddr($0) }
        advertised = (announce.isEmpty ? Self.expand(listeners.map(\.localAddress)) : announce)
            .filter { config.allowPrivateAddresses || $0.isPublic }
        let record = PeerRecord(peerID: identity.peerID, sequence: UInt64(max(0, time(nil))), addresses: advertised)
        signedPeerRecord = try? record.sealed(with: identity).bytes
        for peer in peers { dial(peer) }
    }

    func stopAcceptingWork() {
        isStopped = true
        for peer in peers {
            if let timer = peer.redialTimer { loop.cancel(timer) }
            peer.redialTimer = nil
        }
        for listener in listeners { listener.close() }
        listeners.removeAll()
        for session in sessions.values { session.connection.close() }
    }

    func flush() {}

    /// The addresses a listener bound to `0.0.0.0` / `::` can be reached at: the host's interface addresses of that
    /// family (IPv6 link-local ones are left out: they need a zone). Specific addresses stay as they are.
    static func expand(_ bound: [SocketAddress]) -> [Multiaddr] {
        var result: [Multiaddr] = []
        for address in bound {
            let unspecified = address.addressBytes.allSatisfy { $0 == 0 }
            let candidates =
                unspecified
                ? InterfaceAddresses.all(port: address.port).filter {
                    $0.isIPv6 == address.isIPv6 && !isLinkLocalIPv6($0)
                }
                : [address]
            for candidate in candidates {
                if let multiaddr = multiaddr(candidate), !result.contains(multiaddr) { result.append(multiaddr) }
            }
        }
        return result
    }

    private static func isLinkLocalIPv6(_ address: SocketAddress) -> Bool {
        address.isIPv6 && address.addressBytes[0] == 0xFE && address.addressBytes[1] & 0xC0 == 0x80
    }

    static func multiaddr(_ address: SocketAddress) -> Multiaddr? {
        try? Multiaddr(
            address.isIPv6 ? "/ip6/\(address.host)/tcp/\(address.port)" : "/ip4/\(address.host)/tcp/\(address.port)")
    }

    private func identifyMessage(observed: Multiaddr?) -> IdentifyMessage {
        IdentifyMessage(
            protocolVersion: Self.protocolVersion, agentVersion: Self.agentVersion,
            publicKey: identity.publicKey.protobufBytes, listenAddrs: advertised.map(\.bytes),
            observedAddr: observed?.bytes, protocols: Self.protocols, signedPeerRecord: signedPeerRecord)
    }

    private func accept(_ connection: TCPConnection) {
        guard sessions.count < limits.maxConnections else {
            metrics.refused("connection_limit")
            connection.close()
            return
        }
        guard connectionsPerIP[connection.remoteAddress.addressBytes, default: 0] < limits.maxConnectionsPerIP else {
            metrics.refused("connection_limit_per_ip")
            connection.close()
            return
        }
        guard pendingHandshakes < limits.maxPendingHandshakes else {
            metrics.refused("pending_handshakes")
            connection.close()
            return
        }
        guard connectionRate.admit(ip: connection.remoteAddress.addressBytes, now: loop.nowNanoseconds()) == .allowed
        else {
            metrics.refused("rate_limited")
            connection.close()
            return
        }
        begin(connection, direction: .inbound)
    }

    /// Dials a `libp2p.peers` entry; a failed dial or a lost connection is retried after ``redialNanoseconds``.
    private func dial(_ peer: ConfiguredPeer) {
        peer.redialTimer = nil
        do {
            try loop.connectTCP(peer.address, timeoutNanoseconds: handshakeNanoseconds) { [weak self] result in
                guard let self else { return }
                switch result {
                case .success(let connection):
                    self.begin(connection, direction: .outbound(expectedPeer: peer.id), peer: peer)
                case .failure(let error):
                    self.metrics.dialFailed("connect")
                    self.log(
                        "dial failed",
                        [("peer", peer.id.description), ("address", "\(peer.address)"), ("error", "\(error)")])
                    self.scheduleRedial(peer)
                }
            }
        } catch {
            metrics.dialFailed("connect")
            scheduleRedial(peer)
        }
    }

    private func scheduleRedial(_ peer: ConfiguredPeer) {
        guard !isStopped, peer.redialTimer == nil else { return }
        peer.redialTimer = loop.schedule(afterNanoseconds: Self.redialNanoseconds) { [weak self, weak peer] in
            guard let self, let peer, !self.isStopped else { return }
            self.dial(peer)
        }
    }

    /// Starts the upgrade on a new TCP connection, either side.
    private func begin(_ connection: TCPConnection, direction: Libp2pConnection.Direction, peer: ConfiguredPeer? = nil)
    {
        let ip = connection.remoteAddress.addressBytes
        let message = identifyMessage(observed: Self.multiaddr(connection.remoteAddress))
        var machine: Libp2pConnection
        do {
            machine = try Libp2pConnection(
                direction: direction, identity: identity, randomBytes: SecureRandom.bytes, yamux: yamuxConfig
            ) { _ in message }
        } catch {
            connection.close()
            return
        }
        connectionsPerIP[ip, default: 0] += 1
        let key = ObjectIdentifier(connection)
        let opening = machine.start()
        let session = Session(connection: connection, machine: machine)
        sessions[key] = session
        if session.isInbound { pendingHandshakes += 1 }
        metrics.connections.set(Double(sessions.count))
        connection.highWaterMark = 256 * 1024
        connection.onRead = { [unowned self, unowned session] _, bytes in
            self.apply(session.machine.receive(Array(bytes), now: self.loop.nowNanoseconds()), session)
        }
        connection.onClose = { [weak self, weak peer] _, _ in
            guard let self, let session = self.sessions.removeValue(forKey: key) else { return }
            for timer in [session.handshakeTimer, session.tickTimer].compactMap({ $0 }) { self.loop.cancel(timer) }
            if session.isInbound && !session.upgraded { self.pendingHandshakes -= 1 }
            let remaining = (self.connectionsPerIP[ip] ?? 1) - 1
            self.connectionsPerIP[ip] = remaining > 0 ? remaining : nil
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

    private func apply(_ output: Libp2pConnection.Output, _ session: Session) {
        if !output.bytes.isEmpty { session.connection.write(output.bytes) }
        for event in output.events {
            switch event {
            case .upgraded:
                if session.isInbound && !session.upgraded { pendingHandshakes -= 1 }
                session.upgraded = true
                if let timer = session.handshakeTimer { loop.cancel(timer) }
                session.handshakeTimer = nil
                metrics.opened(session.machine.direction == .inbound ? "inbound" : "outbound")
            case .identified(let peer, let info):
                log(
                    "peer identified",
                    [
                        ("peer", peer.description), ("agent", info.agentVersion ?? ""),
                        ("protocols", "\(info.protocols.count)"),
                    ])
            case .failed(let reason):
                if !session.upgraded { metrics.handshakeFailed(reason.hasPrefix("noise") ? "noise" : "negotiation") }
            case .streamProtocol(let name):
                metrics.stream(name)
            case .secured, .identifyPushed:
                break
            }
        }
        if output.close {
            session.connection.closeAfterFlush()
            return
        }
        armTick(session)
    }

    /// Yamux keep-alive deadlines.
    private func armTick(_ session: Session) {
        guard session.tickTimer == nil, let deadline = session.machine.nextDeadline else { return }
        session.tickTimer = loop.schedule(atNanoseconds: deadline) { [weak self, weak session] in
            guard let self, let session, !session.connection.isClosed else { return }
            session.tickTimer = nil
            self.apply(session.machine.tick(now: self.loop.nowNanoseconds()), session)
        }
    }
}
