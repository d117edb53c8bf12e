import Libp2pCore
import Metrics
import Node
import Testing
import WaystoneRuntime

@testable import Daemon

@Suite struct Libp2pRoleTests {
    /// A listener on 0.0.0.0 is announced at the host's IPv4 interface addresses (loopback among them), never as
    /// 0.0.0.0; a specific address is announced as it is.
    @Test func unspecifiedListenAddressesExpandToInterfaceAddresses() throws {
        let expanded = Libp2pRole.expand([try SocketAddress.parse("0.0.0.0:4001")]).map(\.description)
        #expect(expanded.contains("/ip4/127.0.0.1/tcp/4001"))
        #expect(!expanded.contains("/ip4/0.0.0.0/tcp/4001"))
        #expect(expanded.allSatisfy { $0.hasPrefix("/ip4/") })
        #expect(Libp2pRole.expand([try SocketAddress.parse("[::1]:5")]).map(\.description) == ["/ip6/::1/tcp/5"])
    }

    /// A private `libp2p.peers` address is refused at start unless private addresses are allowed.
    @Test func privatePeersNeedAllowPrivateAddresses() throws {
        let runner = try LoopRunner()
        defer { runner.stop() }
        var config = WaystoneConfig().libp2p
        config.listen = []
        config.peers = ["/ip4/10.1.2.3/tcp/4001/p2p/\(Libp2pPrivateKey.generateEd25519().peerID)"]
        let make = {
            try Libp2pRole(
                config: config, isDefaultListen: false, identity: Libp2pPrivateKey.generateEd25519(),
                loop: runner.loop, metrics: Libp2pMetrics(registry: MetricsRegistry()), warn: { _ in },
                log: { _, _ in })
        }
        #expect(throws: Libp2pRole.StartError.self) { _ = try make() }
        config.allowPrivateAddresses = true
        let role = try make()
        role.stopAcceptingWork()
    }

    /// Too many announced addresses are cut from the end so identify (with its signed record) stays under 4 KiB.
    @Test func identifyStaysUnderFourKiB() throws {
        let runner = try LoopRunner()
        defer { runner.stop() }
        var config = WaystoneConfig().libp2p
        config.listen = ["/ip4/127.0.0.1/tcp/0"]
        config.announce = (0..<120).map { "/dns4/host-\($0).a-rather-long-domain-name.example.com/tcp/4001" }
        let role = try Libp2pRole(
            config: config, isDefaultListen: false, identity: Libp2pPrivateKey.generateEd25519(), loop: runner.loop,
            metrics: Libp2pMetrics(registry: MetricsRegistry()), warn: { _ in }, log: { _, _ in })
        defer { role.stopAcceptingWork() }
        let message = role.identifyMessage(observed: try Multiaddr("/ip6/::1/tcp/1"))
        #expect(message.bytes.count <= Libp2pRole.maxIdentifyBytes)
        #expect(message.listenAddrs.count > 10 && message.listenAddrs.count < 120)
        #expect(message.listenAddrs.first == (try Multiaddr(config.announce[0]).bytes))
        let record = try PeerRecord.open(SignedEnvelope(bytes: try #require(message.signedPeerRecord)))
        #expect(record.addresses.map(\.bytes) == message.listenAddrs)
    }

    /// The per-connection `libp2p.limits` keys reach every connection's machine: Yamux streams, window ceiling and
    /// send queues, the per-protocol stream cap and the RSA key size.
    @Test func connectionLimitsComeFromTheConfig() throws {
        let runner = try LoopRunner()
        defer { runner.stop() }
        var config = WaystoneConfig().libp2p
        config.listen = ["/ip4/127.0.0.1/tcp/0"]
        config.limits.maxStreamsPerConnection = 77
        config.limits.maxStreamWindowBytes = 1 << 20
        config.limits.maxBufferedBytesPerConnection = 300_000
        config.limits.maxInboundStreamsPerProtocol = 9
        config.limits.maxRsaKeyBits = 3072
        let role = try Libp2pRole(
            config: config, isDefaultListen: false, identity: Libp2pPrivateKey.generateEd25519(), loop: runner.loop,
            metrics: Libp2pMetrics(registry: MetricsRegistry()), warn: { _ in }, log: { _, _ in })
        defer { role.stopAcceptingWork() }
        #expect(role.yamuxConfig.maxStreams == 77)
        #expect(role.yamuxConfig.maxStreamWindow == 1 << 20)
        // The worst case of the connection's buffers stays within its limit: the socket at its low-water mark plus
        // the queues moved into it, the queues filled again, one write's burst.
        let yamux = role.yamuxConfig
        let highWater = Libp2pRole.socketHighWaterMark(300_000)
        #expect(highWater == 75_000)
        let worst = highWater / 2 + 2 * yamux.maxQueuedBytesTotal + yamux.maxPendingOutputBytes + yamux.maxDataFrameSize
        #expect(worst <= 300_000)
        #expect(yamux.maxQueuedBytesTotal >= 16 * 1024)
        #expect(yamux.maxQueuedBytesPerStream == yamux.maxQueuedBytesTotal)
        #expect(role.connectionLimits.maxInboundStreamsPerProtocol == 9)
        #expect(role.connectionLimits.maxRSAKeyBits == 3072)
    }

    /// Public-address filtering used for announcements.
    @Test(arguments: [
        ("/ip4/8.8.8.8/tcp/1", true), ("/ip4/10.1.2.3/tcp/1", false), ("/ip4/100.64.0.1/tcp/1", false),
        ("/ip4/127.0.0.1/tcp/1", false), ("/ip4/169.254.1.1/tcp/1", false), ("/ip4/172.16.0.1/tcp/1", false),
        ("/ip4/172.32.0.1/tcp/1", true), ("/ip4/192.168.1.1/tcp/1", false), ("/ip6/2001:db8::1/tcp/1", true),
        ("/ip6/::1/tcp/1", false), ("/ip6/fd00::1/tcp/1", false), ("/ip6/fe80::1/tcp/1", false),
        ("/dns4/example.com/tcp/1", true),
    ])
    func publicAddresses(_ text: String, _ isPublic: Bool) throws {
        #expect(try Multiaddr(text).isPublic == isPublic)
    }
}

/// The libp2p role on a background loop with real sockets: the accept-time limits refuse cheaply and count.
@Suite(.serialized) struct Libp2pRoleLimitTests {
    final class Harness {
        let runner: LoopRunner
        let registry = MetricsRegistry()
        var role: Libp2pRole?
        let address: SocketAddress

        init(_ configure: (inout WaystoneConfig.Libp2pSection) -> Void) throws {
            var config = WaystoneConfig().libp2p
            config.listen = ["/ip4/127.0.0.1/tcp/0"]
            config.allowPrivateAddresses = true
            configure(&config)
            runner = try LoopRunner()
            let role = try Libp2pRole(
                config: config, isDefaultListen: false, identity: Libp2pPrivateKey.generateEd25519(),
                loop: runner.loop, metrics: Libp2pMetrics(registry: registry), warn: { _ in }, log: { _, _ in })
            self.role = role
            address = try SocketAddress.parse(
                try #require(role.boundAddresses.first).replacingOccurrences(of: "/ip4/", with: "")
                    .replacingOccurrences(of: "/tcp/", with: ":"))
            runner.start()
        }

        func refused(_ reason: String) -> Double? {
            sampleValue(registry.render(), #"waystone_libp2p_connections_refused_total{reason=""# + reason + #""}"#)
        }

        func stop() {
            runner.stop()
            role = nil
        }
    }

    @Test func newConnectionsPerIPAreRateLimited() throws {
        let h = try Harness {
            $0.limits.newConnectionsPerSecondPerIP = 1
            $0.limits.newConnectionsBurstPerIP = 2
        }
        defer { h.stop() }
        let first = try #require(StunStreamClient(connectTo: h.address))
        let second = try #require(StunStreamClient(connectTo: h.address))
        let third = try #require(StunStreamClient(connectTo: h.address))
        #expect(third.waitForClose(timeout: 2))
        #expect(!first.waitForClose(timeout: 0.2) && !second.waitForClose(timeout: 0.2))
        #expect(waitUntil(timeout: 2) { h.refused("rate_limited") == 1 })
    }

    @Test func pendingHandshakesAreCappedAndTimeOut() throws {
        let h = try Harness {
            $0.limits.maxPendingHandshakes = 1
            $0.limits.handshakeTimeoutSeconds = 1
        }
        defer { h.stop() }
        let silent = try #require(StunStreamClient(connectTo: h.address))
        let second = try #require(StunStreamClient(connectTo: h.address))
        #expect(second.waitForClose(timeout: 2))
        #expect(waitUntil(timeout: 2) { h.refused("pending_handshakes") == 1 })
        // The silent connection never starts multistream: closed at the handshake timeout.
        #expect(silent.waitForClose(timeout: 4))
        #expect(
            waitUntil(timeout: 2) {
                sampleValue(h.registry.render(), #"waystone_libp2p_handshake_failures_total{reason="timeout"}"#) == 1
            })
    }
}

/// Two roles on one loop, the second dialing the first (`libp2p.peers`): both identify each other into their
/// peerstores, and a change of the first one's interface addresses is pushed to the second.
@Suite(.serialized) struct Libp2pRolePeerTests {
    @Test func peersIdentifyBothWaysAndAddressChangesArePushed() throws {
        let runner = try LoopRunner()
        let (registryA, registryB) = (MetricsRegistry(), MetricsRegistry())
        let interfaces = Locked<[String]>(["127.0.0.1"])
        let keyA = Libp2pPrivateKey.generateEd25519()
        var configA = WaystoneConfig().libp2p
        configA.listen = ["/ip4/0.0.0.0/tcp/0"]
        configA.allowPrivateAddresses = true
        configA.addressRefreshSeconds = 0
        let roleA = try Libp2pRole(
            config: configA, isDefaultListen: false, identity: keyA, loop: runner.loop,
            metrics: Libp2pMetrics(registry: registryA), warn: { _ in }, log: { _, _ in },
            interfaceAddresses: { port in interfaces.value.compactMap { try? SocketAddress.parse("\($0):\(port)") } })
        let port = try #require(roleA.boundAddresses.first?.split(separator: "/").last)
        var configB = WaystoneConfig().libp2p
        configB.listen = ["/ip4/127.0.0.1/tcp/0"]
        configB.allowPrivateAddresses = true
        configB.peers = ["/ip4/127.0.0.1/tcp/\(port)/p2p/\(keyA.peerID)"]
        let roleB = try Libp2pRole(
            config: configB, isDefaultListen: false, identity: Libp2pPrivateKey.generateEd25519(), loop: runner.loop,
            metrics: Libp2pMetrics(registry: registryB), warn: { _ in }, log: { _, _ in })
        runner.start()
        defer { runner.stop() }
        func value(_ registry: MetricsRegistry, _ sample: String) -> Double? { sampleValue(registry.render(), sample) }

        for registry in [registryA, registryB] {
            #expect(waitUntil(timeout: 5) { value(registry, #"libp2p_identify_identify_total{dir="received"}"#) == 1 })
            #expect(value(registry, #"libp2p_identify_identify_total{dir="sent"}"#) == 1)
            #expect(value(registry, "waystone_libp2p_peerstore_peers") == 1)
        }
        #expect(
            value(
                registryA,
                #"libp2p_swarm_connections_opened_total{dir="inbound",transport="tcp",security="noise",muxer="yamux"}"#)
                == 1)
        #expect(
            value(
                registryA,
                #"libp2p_swarm_handshake_latency_seconds_count{transport="tcp",security="noise",muxer="yamux"}"#)
                == 1)

        let boxes = UncheckedBox((roleA, roleB))
        let addressesOfA = Locked<[String]>([])
        func readPeerstoreOfB() {
            runner.loop.execute {
                addressesOfA.value = boxes.value.1.peerstore[keyA.peerID]?.addresses.map(\.description) ?? []
            }
        }
        readPeerstoreOfB()
        #expect(waitUntil(timeout: 2) { addressesOfA.value == ["/ip4/127.0.0.1/tcp/\(port)"] })

        interfaces.value = ["127.0.0.1", "127.0.0.2"]
        runner.loop.execute { boxes.value.0.refreshAddresses() }
        #expect(
            waitUntil(timeout: 5) { value(registryB, #"libp2p_identify_identify_push_total{dir="received"}"#) == 1 })
        #expect(value(registryA, #"libp2p_identify_identify_push_total{dir="sent"}"#) == 1)
        #expect(value(registryA, #"libp2p_identify_identify_pushes_triggered_total{trigger="address_change"}"#) == 1)
        readPeerstoreOfB()
        #expect(
            waitUntil(timeout: 2) {
                addressesOfA.value == ["/ip4/127.0.0.1/tcp/\(port)", "/ip4/127.0.0.2/tcp/\(port)"]
            })
        // Unchanged addresses push nothing.
        runner.loop.execute { boxes.value.0.refreshAddresses() }
        readPeerstoreOfB()
        #expect(waitUntil(timeout: 2) { !addressesOfA.value.isEmpty })
        #expect(value(registryA, #"libp2p_identify_identify_pushes_triggered_total{trigger="address_change"}"#) == 1)
    }

    /// The buffered-bytes limits: per connection always, the total only against a connection that grew; 0 is off.
    @Test func memoryLimitsPickTheirScope() {
        var limits = WaystoneConfig().libp2p.limits
        limits.maxBufferedBytesPerConnection = 100
        limits.maxBufferedBytes = 1000
        #expect(Libp2pRole.memoryScope(connection: 101, total: 101, grew: false, limits: limits) == "connection")
        #expect(Libp2pRole.memoryScope(connection: 100, total: 1000, grew: true, limits: limits) == nil)
        #expect(Libp2pRole.memoryScope(connection: 50, total: 1001, grew: true, limits: limits) == "system")
        #expect(Libp2pRole.memoryScope(connection: 50, total: 5000, grew: false, limits: limits) == nil)
        limits.maxBufferedBytesPerConnection = 0
        limits.maxBufferedBytes = 0
        #expect(Libp2pRole.memoryScope(connection: 1 << 30, total: 1 << 40, grew: true, limits: limits) == nil)
    }

    /// Per-IP limits count IPv4 addresses and IPv6 /56 prefixes.
    @Test func ipGroupsAreAddressesAndSlash56() throws {
        let group = { (text: String) in Libp2pRole.ipGroup(try SocketAddress.parse(text)) }
        #expect(try group("1.2.3.4:1") == [1, 2, 3, 4])
        #expect(try group("[2001:db8:aa:bb01::1]:1") == group("[2001:db8:aa:bbff:ffff::9]:2"))
        #expect(try group("[2001:db8:aa:bb01::1]:1") != group("[2001:db8:aa:bc01::1]:1"))
    }
}

/// A service that echoes inbound streams and records what happens to the streams it opens.
final class EchoService: Libp2pService {
    let protocols = ["/test/echo/1"]
    weak var host: (any Libp2pHost)?
    let events = Locked<[String]>([])
    let identified = Locked<Int>(0)

    func start(host: any Libp2pHost) { self.host = host }
    func streamOpened(_ session: Libp2pSession, _ id: UInt32, protocol: String, inbound: Bool) {
        events.value.append("opened \(inbound ? "in" : "out")")
    }
    func streamData(_ session: Libp2pSession, _ id: UInt32, _ bytes: ArraySlice<UInt8>) {
        events.value.append("data \(String(decoding: bytes, as: UTF8.self))")
        if session.isInbound { host?.write(session, id, bytes) }
    }
    func streamFinished(_ session: Libp2pSession, _ id: UInt32) {
        events.value.append("closed")
        if session.isInbound { host?.closeWrite(session, id) }
    }
    func streamReset(_ session: Libp2pSession, _ id: UInt32, code: UInt32) { events.value.append("reset \(code)") }
    func streamOpenFailed(_ session: Libp2pSession, _ id: UInt32) { events.value.append("open failed") }
    func peerIdentified(_ session: Libp2pSession, _ peer: PeerID, _ entry: Peerstore.Entry) {
        if entry.protocols.contains("/test/echo/1") { identified.value += 1 }
    }
    func connectionClosed(_ session: Libp2pSession) { events.value.append("connection closed") }
    func bufferedBytes(of session: Libp2pSession) -> Int { 0 }
    func stop() { events.value.append("stopped") }
}

@Suite(.serialized) struct Libp2pServiceTests {
    /// `connect` dials (or reuses) a connection proven to be the peer; a service's protocol is advertised, its
    /// streams reach it both ways; a wrong peer ID gives nil.
    @Test func servicesOpenStreamsOverConnectionsTheRoleDials() throws {
        let runner = try LoopRunner()
        let (serviceA, serviceB) = (EchoService(), EchoService())
        let keyA = Libp2pPrivateKey.generateEd25519()
        func role(_ key: Libp2pPrivateKey, _ service: EchoService) throws -> Libp2pRole {
            var config = WaystoneConfig().libp2p
            config.listen = ["/ip4/127.0.0.1/tcp/0"]
            config.allowPrivateAddresses = true
            return try Libp2pRole(
                config: config, isDefaultListen: false, identity: key, loop: runner.loop,
                metrics: Libp2pMetrics(registry: MetricsRegistry()), warn: { _ in }, log: { _, _ in },
                services: [service])
        }
        let roleA = try role(keyA, serviceA)
        let roleB = try role(Libp2pPrivateKey.generateEd25519(), serviceB)
        #expect(roleA.protocols.contains("/test/echo/1"))
        let addressA = try Multiaddr(try #require(roleA.boundAddresses.first))
        runner.start()
        defer { runner.stop() }

        let boxes = UncheckedBox((roleA, roleB, serviceB))
        let outcome = Locked<[String]>([])
        runner.loop.execute {
            let (roleB, serviceB) = (boxes.value.1, boxes.value.2)
            roleB.connect(to: keyA.peerID, at: addressA) { session in
                guard let session, let id = roleB.openStream(session, "/test/echo/1", owner: serviceB) else {
                    outcome.value.append("no session")
                    return
                }
                outcome.value.append(roleB.write(session, id, Array("hi".utf8)) == 2 ? "written" : "not written")
                roleB.closeWrite(session, id)
                // A second connect reuses the connection.
                roleB.connect(to: keyA.peerID, at: addressA) { again in
                    outcome.value.append(again === session ? "reused" : "new")
                }
            }
            roleB.connect(to: Libp2pPrivateKey.generateEd25519().peerID, at: addressA) { session in
                outcome.value.append(session == nil ? "wrong peer refused" : "wrong peer accepted")
            }
        }
        #expect(waitUntil(timeout: 5) { outcome.value.count == 3 })
        #expect(Set(outcome.value) == ["written", "reused", "wrong peer refused"])
        #expect(waitUntil(timeout: 5) { serviceB.events.value.contains("closed") })
        #expect(serviceA.events.value.prefix(3) == ["opened in", "data hi", "closed"])
        #expect(serviceB.events.value.prefix(3) == ["opened out", "data hi", "closed"])
        #expect(waitUntil(timeout: 5) { serviceA.identified.value >= 1 && serviceB.identified.value >= 1 })
    }
}
