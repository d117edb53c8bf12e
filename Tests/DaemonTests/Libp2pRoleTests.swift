import Libp2pCore
import Metrics
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
