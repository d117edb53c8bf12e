import Libp2pCore
import Node
import WaystoneRuntime

/// ``Libp2pRole`` as the services' ``Libp2pHost``: streams, connections, peers and the clock, on the event loop.
extension Libp2pRole: Libp2pHost {
    // MARK: Connections and peers

    /// The peer's peerstore entry with its signed peer record checked (addresses from the record when it is valid).
    func certifiedEntry(_ peer: PeerID) -> Peerstore.Entry? { peerstore.certify(peer) }

    /// Whether ``connect(to:at:completion:)`` can dial `address`: IP and TCP, and public unless private addresses
    /// are allowed.
    func isDialable(_ address: Multiaddr) -> Bool {
        address.ipAddress != nil && address.tcpPort != nil && (allowPrivateAddresses || address.isPublic)
    }

    /// Whether ``connect(to:at:completion:)`` would start a dial now (not stopped, below the dials in flight).
    var canDial: Bool { !isStopped && dialWaiters.count < Self.maxDialsInFlight }

    /// An upgraded connection to `peer`, if there is one.
    func session(for peer: PeerID) -> Libp2pSession? {
        sessionsByPeer[peer]?.values.first { !$0.connection.isClosed }
    }

    /// Calls `completion` with an upgraded connection to `peer`: an existing one at once, else after dialing
    /// `address` (the Noise handshake must prove `peer`). `nil` when the dial fails, the address is private and
    /// private addresses are not allowed, too many dials are in flight, or the role stopped.
    func connect(to peer: PeerID, at address: Multiaddr?, completion: @escaping (Libp2pSession?) -> Void) {
        if let existing = session(for: peer) { return completion(existing) }
        if dialWaiters[peer] != nil {
            dialWaiters[peer]?.waiters.append(completion)
            return
        }
        guard !isStopped, dialWaiters.count < Self.maxDialsInFlight, let address, isDialable(address),
            let ip = address.ipAddress, let port = address.tcpPort,
            let socketAddress = try? SocketAddress(addressBytes: ip, port: port)
        else { return completion(nil) }
        nextDialToken += 1
        let token = nextDialToken
        dialWaiters[peer] = (token, [completion])
        let fail = { [weak self] in
            guard let self else { return }
            self.metrics.dialFailed("connect")
            guard self.dialWaiters[peer]?.token == token else { return }
            for waiter in self.dialWaiters.removeValue(forKey: peer)?.waiters ?? [] { waiter(nil) }
        }
        do {
            try loop.connectTCP(socketAddress, timeoutNanoseconds: handshakeNanoseconds) { [weak self] result in
                guard let self else { return }
                switch result {
                case .success(let connection):
                    guard !self.isStopped else {
                        connection.close()
                        return fail()
                    }
                    self.begin(connection, direction: .outbound(expectedPeer: peer), dialToken: token)
                case .failure:
                    fail()
                }
            }
        } catch {
            fail()
        }
    }

    // MARK: Streams

    func openStream(_ session: Libp2pSession, _ proto: String, owner: any Libp2pService) -> UInt32? {
        guard !session.connection.isClosed,
            let (id, output) = session.machine.openStream(proto, now: loop.nowNanoseconds())
        else { return nil }
        session.owners[id] = owner
        apply(output, session, fromService: true)
        return id
    }

    @discardableResult
    func write(_ session: Libp2pSession, _ id: UInt32, _ bytes: ArraySlice<UInt8>) -> Int? {
        guard !session.connection.isClosed else { return nil }
        var output = Libp2pConnection.Output()
        let written = session.machine.write(id, bytes, output: &output)
        apply(output, session, fromService: true)
        return written
    }

    func closeWrite(_ session: Libp2pSession, _ id: UInt32) {
        guard !session.connection.isClosed else { return }
        var output = Libp2pConnection.Output()
        session.machine.closeWrite(id, output: &output)
        apply(output, session, fromService: true)
    }

    func resetStream(_ session: Libp2pSession, _ id: UInt32, code: UInt32) {
        guard !session.connection.isClosed else { return }
        var output = Libp2pConnection.Output()
        session.machine.resetStream(id, code: code, output: &output)
        session.owners[id] = nil  // no more events for it, even those already on their way
        apply(output, session, fromService: true)
    }

    func pauseReading(_ session: Libp2pSession, _ id: UInt32) {
        session.machine.pauseReading(id)
    }

    func resumeReading(_ session: Libp2pSession, _ id: UInt32) {
        guard !session.connection.isClosed else { return }
        var output = Libp2pConnection.Output()
        session.machine.resumeReading(id, now: loop.nowNanoseconds(), output: &output)
        apply(output, session, fromService: true)
    }

    // MARK: Clock

    var nowNanoseconds: UInt64 { loop.nowNanoseconds() }

    var wallClockNanoseconds: UInt64 { EventLoop.wallClockNanoseconds() }

    func schedule(afterNanoseconds delay: UInt64, _ body: @escaping () -> Void) -> TimerHandle {
        loop.schedule(afterNanoseconds: delay, body)
    }

    func schedule(atNanoseconds deadline: UInt64, _ body: @escaping () -> Void) -> TimerHandle {
        loop.schedule(atNanoseconds: deadline, body)
    }

    func cancel(_ timer: TimerHandle) { loop.cancel(timer) }
}
