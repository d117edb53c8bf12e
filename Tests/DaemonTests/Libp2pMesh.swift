import Crypto
import Identify
import Libp2pCore
import Node
import WaystoneRuntime

@testable import Daemon

/// Libp2p nodes in memory under a virtual clock: each ``MeshNode`` is a ``Libp2pHost`` for its services, its
/// connections are ``Libp2pConnection`` machines joined by in-memory transports. Services (Kademlia now; relay,
/// AutoNAT, rendezvous later: A ↔ relay ↔ B) run on it unchanged, with timeouts and refreshes on virtual time and no
/// sockets. Not modelled: keepalive ticks, handshake timeouts, socket backpressure.
final class Libp2pMesh {
    let clock = VirtualClock()
    private(set) var nodes: [MeshNode] = []
    /// Bytes (or a close, nil) on their way, in order.
    private var deliveries: [(to: MeshTransport, bytes: [UInt8]?)] = []

    /// A node at `/ip4/10.0.<n>/tcp/4001` whose services are built from the host's peer ID.
    @discardableResult
    func add(key: Libp2pPrivateKey = .generateEd25519(), services: (PeerID) throws -> [any Libp2pService]) rethrows
        -> MeshNode
    {
        let n = nodes.count + 1
        let address = try! Multiaddr("/ip4/10.0.\(n / 256).\(n % 256)/tcp/4001")
        let node = MeshNode(mesh: self, key: key, address: address, services: try services(key.peerID))
        nodes.append(node)
        return node
    }

    /// The node listening at `address`.
    func node(at address: Multiaddr) -> MeshNode? { nodes.first { $0.address == address } }

    /// Takes `node` off the mesh: its connections close and its address stops answering.
    func remove(_ node: MeshNode) {
        nodes.removeAll { $0 === node }
        node.disconnectAll()
    }

    func enqueue(_ bytes: [UInt8]?, to transport: MeshTransport) { deliveries.append((transport, bytes)) }

    /// Dials `address` for `dialer` (expecting `peer`); the connection's sessions start upgrading. Nil when no node
    /// listens there.
    func dial(from dialer: MeshNode, to address: Multiaddr, expecting peer: PeerID) -> Libp2pSession? {
        guard let listener = node(at: address) else { return nil }
        let outbound = MeshTransport(mesh: self, remote: listener.socketAddress)
        let inbound = MeshTransport(mesh: self, remote: dialer.socketAddress)
        outbound.peer = inbound
        inbound.peer = outbound
        listener.attach(inbound, direction: .inbound)
        return dialer.attach(outbound, direction: .outbound(expectedPeer: peer))
    }

    /// Delivers bytes and fires timers (advancing the clock to the next one when nothing is in flight) until
    /// `condition` holds, nothing is left to do, or the clock passes `limit` nanoseconds.
    @discardableResult
    func run(
        for limit: UInt64 = 3_600_000_000_000, maxSteps: Int = 1_000_000, until condition: () -> Bool = { false }
    ) -> Bool {
        let end = clock.now + limit
        for _ in 0..<maxSteps {
            if condition() { return true }
            if !deliveries.isEmpty {
                var (transport, bytes) = deliveries.removeFirst()
                // What reached the same end back to back arrives in one read, as TCP coalesces it.
                while bytes != nil, let next = deliveries.first, next.to === transport, let more = next.bytes {
                    bytes! += more
                    deliveries.removeFirst()
                }
                transport.deliver(bytes)
            } else if let deadline = clock.nextDeadline, deadline <= end {
                clock.advance(to: deadline)
            } else {
                return condition()
            }
        }
        return condition()
    }
}

/// Timers on virtual time (handles from the runtime's `TimerHandle`).
final class VirtualClock {
    private(set) var now: UInt64 = 0
    private var timers: [TimerHandle: (deadline: UInt64, order: UInt64, body: () -> Void)] = [:]
    private var sequence: UInt64 = 0

    func schedule(at deadline: UInt64, _ body: @escaping () -> Void) -> TimerHandle {
        sequence += 1
        let handle = TimerHandle(sequence: sequence)
        timers[handle] = (max(deadline, now), sequence, body)
        return handle
    }

    func cancel(_ timer: TimerHandle) { timers[timer] = nil }

    var nextDeadline: UInt64? { timers.values.map(\.deadline).min() }

    /// Moves to `time` and runs what is due, earliest first (timers a timer schedules run too if due).
    func advance(to time: UInt64) {
        now = max(now, time)
        while let (handle, timer) = timers.filter({ $0.value.deadline <= now }).min(by: {
            ($0.value.deadline, $0.value.order) < ($1.value.deadline, $1.value.order)
        }) {
            timers[handle] = nil
            timer.body()
        }
    }
}

/// One end of an in-memory connection.
final class MeshTransport: Libp2pTransport {
    unowned let mesh: Libp2pMesh
    weak var peer: MeshTransport?
    let remoteAddress: SocketAddress
    private(set) var isClosed = false
    var queuedBytes: Int { 0 }
    var isBackpressured: Bool { false }
    var highWaterMark: Int { .max }
    var onRead: ((UnsafeRawBufferPointer) -> Void)?
    var onClose: (() -> Void)?

    init(mesh: Libp2pMesh, remote: SocketAddress) {
        self.mesh = mesh
        remoteAddress = remote
    }

    func write(_ bytes: [UInt8]) {
        guard !isClosed, !bytes.isEmpty, let peer else { return }
        mesh.enqueue(bytes, to: peer)
    }

    func closeAfterFlush() {
        guard !isClosed, let peer else { return close() }
        mesh.enqueue(nil, to: peer)  // behind what was written
        finish()
    }

    func close() {
        guard !isClosed else { return }
        if let peer { mesh.enqueue(nil, to: peer) }
        finish()
    }

    func deliver(_ bytes: [UInt8]?) {
        guard !isClosed else { return }
        guard let bytes else { return finish() }
        bytes.withUnsafeBytes { onRead?($0) }
    }

    private func finish() {
        isClosed = true
        let callback = onClose
        onRead = nil
        onClose = nil
        callback?()
    }
}

/// A libp2p node of the mesh: the ``Libp2pHost`` its services run on.
final class MeshNode: Libp2pHost {
    unowned let mesh: Libp2pMesh
    let key: Libp2pPrivateKey
    let address: Multiaddr
    let services: [any Libp2pService]
    private let router: Libp2pServiceRouter
    private let protocols: [String]
    var peerstore = Peerstore(capacity: 1000)
    private var sessions: [ObjectIdentifier: Libp2pSession] = [:]
    private var dialWaiters: [PeerID: [(Libp2pSession?) -> Void]] = [:]
    /// Every upgraded session of this node, in order (tests inspect them).
    private(set) var upgraded: [Libp2pSession] = []

    init(mesh: Libp2pMesh, key: Libp2pPrivateKey, address: Multiaddr, services: [any Libp2pService]) {
        self.mesh = mesh
        self.key = key
        self.address = address
        self.services = services
        router = Libp2pServiceRouter(services: services)
        protocols = Libp2pRole.baseProtocols + services.flatMap(\.protocols)
    }

    var peerID: PeerID { key.peerID }
    var dialable: String { "\(address)/p2p/\(peerID)" }
    var socketAddress: SocketAddress {
        try! SocketAddress(addressBytes: address.ipAddress!, port: address.tcpPort!)
    }

    /// Starts the services (as the role does once its listeners are bound).
    func start() {
        for service in services { service.start(host: self) }
    }

    func stop() {
        for service in services { service.stop() }
    }

    func disconnectAll() {
        for session in sessions.values { session.connection.close() }
    }

    /// A session on a new transport, upgrading.
    @discardableResult
    func attach(_ transport: MeshTransport, direction: Libp2pConnection.Direction) -> Libp2pSession {
        let identity = IdentifyMessage(
            protocolVersion: Libp2pRole.protocolVersion, agentVersion: "mesh", publicKey: key.publicKey.protobufBytes,
            listenAddrs: [address.bytes], protocols: protocols)
        let machine = try! Libp2pConnection(
            direction: direction, identity: key, randomBytes: SecureRandom.bytes,
            applicationProtocols: Set(protocols).subtracting(Libp2pRole.baseProtocols)
        ) { _ in identity }
        let session = Libp2pSession(connection: transport, machine: machine, startedAt: mesh.clock.now)
        let id = ObjectIdentifier(transport)
        sessions[id] = session
        transport.onRead = { [unowned self, unowned session] bytes in
            self.apply(session.machine.receive(bytes, now: self.mesh.clock.now), session)
        }
        transport.onClose = { [unowned self] in
            guard let session = self.sessions.removeValue(forKey: id) else { return }
            self.upgraded.removeAll { $0 === session }
            if session.upgraded {
                for service in self.services { service.connectionClosed(session) }
            } else if let peer = session.expectedPeer {
                for waiter in self.dialWaiters.removeValue(forKey: peer) ?? [] { waiter(nil) }
            }
        }
        apply(session.machine.start(), session)
        return session
    }

    /// As ``Libp2pRole``: bytes out now; events of a service's own call on the next turn (virtual time now).
    private func apply(_ output: Libp2pConnection.Output, _ session: Libp2pSession, fromService: Bool = false) {
        session.connection.write(output.bytes)
        if fromService && !output.events.isEmpty {
            let first = session.deferredEvents.isEmpty
            session.deferredEvents += output.events
            if first {
                _ = schedule(afterNanoseconds: 0) { [weak self, weak session] in
                    guard let self, let session, !session.connection.isClosed else { return }
                    var deferred = Libp2pConnection.Output()
                    deferred.events = session.deferredEvents
                    session.deferredEvents = []
                    self.apply(deferred, session)
                }
            }
        } else {
            for event in output.events { handle(event, session) }
        }
        if output.close { session.connection.closeAfterFlush() }
    }

    private func handle(_ event: ConnectionEvent, _ session: Libp2pSession) {
        if router.route(event, session) { return }
        switch event {
        case .upgraded(let peer):
            session.upgraded = true
            upgraded.append(session)
            for waiter in dialWaiters.removeValue(forKey: peer) ?? [] { waiter(session) }
        case .identified(let peer, let message), .identifyPushed(let peer, let message):
            peerstore.update(peer, with: message, now: mesh.clock.now)
            if let entry = peerstore[peer] {
                for service in services { service.peerIdentified(session, peer, entry) }
            }
        default:
            break
        }
    }

    private func run(_ session: Libp2pSession, _ change: (inout Libp2pConnection.Output) -> Void) {
        guard !session.connection.isClosed else { return }
        var output = Libp2pConnection.Output()
        change(&output)
        apply(output, session, fromService: true)
    }

    // MARK: Libp2pHost

    func openStream(_ session: Libp2pSession, _ proto: String, owner: any Libp2pService) -> UInt32? {
        guard !session.connection.isClosed, let (id, output) = session.machine.openStream(proto, now: nowNanoseconds)
        else { return nil }
        session.owners[id] = owner
        apply(output, session, fromService: true)
        return id
    }

    func write(_ session: Libp2pSession, _ id: UInt32, _ bytes: ArraySlice<UInt8>) -> Int? {
        var written: Int?
        run(session) { written = session.machine.write(id, bytes, output: &$0) }
        return written
    }

    func closeWrite(_ session: Libp2pSession, _ id: UInt32) {
        run(session) { session.machine.closeWrite(id, output: &$0) }
    }

    func resetStream(_ session: Libp2pSession, _ id: UInt32, code: UInt32) {
        run(session) { session.machine.resetStream(id, code: code, output: &$0) }
        session.owners[id] = nil
    }

    func pauseReading(_ session: Libp2pSession, _ id: UInt32) { session.machine.pauseReading(id) }

    func resumeReading(_ session: Libp2pSession, _ id: UInt32) {
        run(session) { session.machine.resumeReading(id, now: nowNanoseconds, output: &$0) }
    }

    func session(for peer: PeerID) -> Libp2pSession? {
        upgraded.first { $0.remotePeer == peer && !$0.connection.isClosed }
    }

    func connect(to peer: PeerID, at address: Multiaddr?, completion: @escaping (Libp2pSession?) -> Void) {
        if let existing = session(for: peer) { return completion(existing) }
        if dialWaiters[peer] != nil { return dialWaiters[peer]!.append(completion) }
        guard let address, isDialable(address) else { return completion(nil) }
        dialWaiters[peer] = [completion]
        guard mesh.dial(from: self, to: address, expecting: peer) != nil else {
            // Nobody listens there: fail on the next turn, as a refused TCP connect would.
            _ = schedule(afterNanoseconds: 0) { [weak self] in
                for waiter in self?.dialWaiters.removeValue(forKey: peer) ?? [] { waiter(nil) }
            }
            return
        }
    }

    func isDialable(_ address: Multiaddr) -> Bool { address.ipAddress != nil && address.tcpPort != nil }
    var canDial: Bool { dialWaiters.count < Libp2pRole.maxDialsInFlight }
    func certifiedEntry(_ peer: PeerID) -> Peerstore.Entry? { peerstore.certify(peer) }
    var advertisedAddresses: [Multiaddr] { [address] }

    var nowNanoseconds: UInt64 { mesh.clock.now }
    /// Unix time on the virtual clock: 2026-01-01 plus the virtual time.
    var wallClockNanoseconds: UInt64 { 1_767_225_600_000_000_000 + mesh.clock.now }

    func schedule(afterNanoseconds delay: UInt64, _ body: @escaping () -> Void) -> TimerHandle {
        mesh.clock.schedule(at: mesh.clock.now + delay, body)
    }

    func schedule(atNanoseconds deadline: UInt64, _ body: @escaping () -> Void) -> TimerHandle {
        mesh.clock.schedule(at: deadline, body)
    }

    func cancel(_ timer: TimerHandle) { mesh.clock.cancel(timer) }
}
