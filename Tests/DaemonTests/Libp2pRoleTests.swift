import Libp2pCore
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
