import Testing
import WaystoneRuntime

@testable import Daemon

@Suite struct ConfigSchemaTests {
    @Test func environmentNamesDeriveFromKeyPaths() {
        #expect(ConfigKey.environmentName(for: "dataDir") == "WAYSTONE_DATA_DIR")
        #expect(ConfigKey.environmentName(for: "metrics.listen") == "WAYSTONE_METRICS_LISTEN")
        #expect(
            ConfigKey.environmentName(for: "libp2p.allowPrivateAddresses") == "WAYSTONE_LIBP2P_ALLOW_PRIVATE_ADDRESSES")
        #expect(
            ConfigSchema.keys.map(\.environmentName) == [
                "WAYSTONE_DATA_DIR", "WAYSTONE_LOG_LEVEL", "WAYSTONE_LOG_FORMAT", "WAYSTONE_METRICS_LISTEN",
                "WAYSTONE_METRICS_MAX_CONNECTIONS", "WAYSTONE_METRICS_READ_TIMEOUT_SECONDS", "WAYSTONE_LIBP2P_LISTEN",
                "WAYSTONE_LIBP2P_ANNOUNCE", "WAYSTONE_LIBP2P_ALLOW_PRIVATE_ADDRESSES", "WAYSTONE_LIBP2P_PEERS",
                "WAYSTONE_LIBP2P_ADDRESS_REFRESH_SECONDS",
                "WAYSTONE_LIBP2P_LIMITS_MAX_CONNECTIONS", "WAYSTONE_LIBP2P_LIMITS_MAX_CONNECTIONS_PER_IP",
                "WAYSTONE_LIBP2P_LIMITS_NEW_CONNECTIONS_PER_SECOND_PER_IP",
                "WAYSTONE_LIBP2P_LIMITS_NEW_CONNECTIONS_BURST_PER_IP",
                "WAYSTONE_LIBP2P_LIMITS_MAX_PENDING_HANDSHAKES",
                "WAYSTONE_LIBP2P_LIMITS_MAX_STREAMS_PER_CONNECTION",
                "WAYSTONE_LIBP2P_LIMITS_MAX_STREAM_WINDOW_BYTES",
                "WAYSTONE_LIBP2P_LIMITS_MAX_INBOUND_STREAMS_PER_PROTOCOL",
                "WAYSTONE_LIBP2P_LIMITS_MAX_BUFFERED_BYTES_PER_CONNECTION", "WAYSTONE_LIBP2P_LIMITS_MAX_BUFFERED_BYTES",
                "WAYSTONE_LIBP2P_LIMITS_MAX_RSA_KEY_BITS", "WAYSTONE_LIBP2P_LIMITS_MAX_PEERSTORE_PEERS",
                "WAYSTONE_LIBP2P_LIMITS_HANDSHAKE_TIMEOUT_SECONDS", "WAYSTONE_KADEMLIA_ENABLED",
                "WAYSTONE_KADEMLIA_PROTOCOL", "WAYSTONE_KADEMLIA_MODE", "WAYSTONE_KADEMLIA_BOOTSTRAP_PEERS",
                "WAYSTONE_KADEMLIA_BUCKET_SIZE", "WAYSTONE_KADEMLIA_ALPHA", "WAYSTONE_KADEMLIA_QUERY_TIMEOUT_SECONDS",
                "WAYSTONE_KADEMLIA_REFRESH_SECONDS", "WAYSTONE_KADEMLIA_SNAPSHOT_SECONDS",
                "WAYSTONE_KADEMLIA_MAX_PEERS_PER_GROUP_PER_BUCKET", "WAYSTONE_KADEMLIA_MAX_PEERS_PER_GROUP",
                "WAYSTONE_KADEMLIA_LIMITS_REQUESTS_PER_SECOND_PER_PEER", "WAYSTONE_KADEMLIA_LIMITS_BURST_PER_PEER",
                "WAYSTONE_KADEMLIA_LIMITS_MAX_STREAMS_PER_PEER", "WAYSTONE_KADEMLIA_LIMITS_MAX_PROVIDER_RECORDS",
                "WAYSTONE_KADEMLIA_LIMITS_MAX_PROVIDERS_PER_KEY", "WAYSTONE_KADEMLIA_LIMITS_MAX_VALUES",
                "WAYSTONE_STUN_LISTEN",
                "WAYSTONE_STUN_UDP", "WAYSTONE_STUN_TCP", "WAYSTONE_STUN_SOFTWARE", "WAYSTONE_STUN_ALTERNATE_PORT",
                "WAYSTONE_STUN_ALTERNATE_ADDRESSES", "WAYSTONE_STUN_LIMITS_REQUESTS_PER_SECOND_PER_IP",
                "WAYSTONE_STUN_LIMITS_BURST_PER_IP", "WAYSTONE_STUN_LIMITS_PENALTY_SECONDS",
                "WAYSTONE_STUN_LIMITS_MAX_TRACKED_IPS", "WAYSTONE_STUN_LIMITS_MAX_TCP_CONNECTIONS",
                "WAYSTONE_STUN_LIMITS_MAX_TCP_CONNECTIONS_PER_IP", "WAYSTONE_STUN_LIMITS_TCP_IDLE_SECONDS",
                "WAYSTONE_STUN_LIMITS_MAX_REQUEST_BYTES", "WAYSTONE_SHUTDOWN_DRAIN_SECONDS",
            ])
    }

    @Test func everyDefaultValidates() throws {
        for key in ConfigSchema.keys {
            try key.validate(key.defaultValue)
        }
        #expect(Set(ConfigSchema.keys.map(\.path)).count == ConfigSchema.keys.count)
    }

    @Test func exampleFileMatchesGenerator() throws {
        let bytes = try AtomicFile.read(repositoryRoot() + "/config/waystone.example.json", maxBytes: 1 << 20)
        #expect(String(decoding: bytes, as: UTF8.self) == ConfigSchema.exampleJSON())
    }

    @Test(arguments: ["waystone.example.json", "vps.json", "container.json"])
    func shippedConfigsValidate(_ name: String) throws {
        let config = try ConfigLoader.load(
            filePath: repositoryRoot() + "/config/" + name, environment: [:], overrides: ConfigOverrides())
        switch name {
        case "vps.json":
            #expect(config.dataDir == "/var/lib/waystone")
            #expect(config.metrics.listen.description == "127.0.0.1:8888")
        case "container.json":
            #expect(config.dataDir == "/data")
            #expect(config.metrics.listen.description == "0.0.0.0:8888")
        default:
            #expect(config == WaystoneConfig())
        }
    }

    @Test func effectiveJSONRoundTripsThroughTheLoader() throws {
        var config = WaystoneConfig()
        config.log.level = .debug
        config.libp2p.announce = ["/dns/example.org/tcp/4001"]
        let dir = TempDirectory()
        defer { dir.remove() }
        dir.write("effective.json", config.effectiveJSON())
        let reloaded = try ConfigLoader.load(
            filePath: dir.file("effective.json"), environment: [:], overrides: ConfigOverrides())
        #expect(reloaded == config)
        #expect(WaystoneConfig().effectiveJSON() == ConfigSchema.exampleJSON())
    }

    @Test func markdownTableListsEveryKey() {
        let table = ConfigSchema.markdownTable()
        let lines = table.split(separator: "\n")
        #expect(lines.count == ConfigSchema.keys.count + 2)
        #expect(lines[0] == "| Key | Type | Default | Environment variable | Reload | Description |")
        #expect(
            table.contains(
                "| `metrics.maxConnections` | integer in 1...10000 | `64` | `WAYSTONE_METRICS_MAX_CONNECTIONS` | restart |"
            ))
        #expect(table.contains("/ip4/&lt;ipv4&gt;/tcp/&lt;port&gt;") && !table.contains("<"))
        #expect(
            table.contains(
                #"| `log.level` | one of error\|warn\|info\|debug | `"info"` | `WAYSTONE_LOG_LEVEL` | applied |"#))
    }

    @Test(arguments: [
        ("/ip4/1.2.3.4/tcp/1", true), ("/ip6/::/tcp/65535", true), ("/ip4/1.2.3.4/tcp/65536", false),
        ("/ip4/1.2.3/tcp/1", false), ("/ip4/1.2.3.4/udp/1", false), ("/ip4/1.2.3.4/tcp/1/p2p/x", false),
        ("ip4/1.2.3.4/tcp/1", false), ("/ip6/[::]/tcp/1", false),
    ])
    func listenMultiaddrs(_ text: String, _ valid: Bool) {
        #expect(MultiaddrSyntax.isListenAddress(text) == valid)
    }

    @Test(arguments: [
        ("/dns4/boot.example.org/tcp/4001/p2p/12D3KooWabc", true), ("/ip6/2001:db8::1/udp/4001/quic-v1", true),
        ("/dns/x", true), ("/tcp/1", false), ("/ip4/300.1.1.1/tcp/1", false), ("/dns4//tcp/1", false),
        ("/ip4/1.2.3.4/tcp/1/", false), ("/ip4/1.2.3.4/tcp 1", false), ("", false), ("/ip4", false),
    ])
    func saneMultiaddrs(_ text: String, _ valid: Bool) {
        #expect(MultiaddrSyntax.isSane(text) == valid)
    }

    @Test(arguments: [
        ("0.0.0.0:0", "0.0.0.0:0"), ("[::]:3478", "[::]:3478"), ("[2001:db8::1]:80", "[2001:db8::1]:80"),
        ("1.2.3.4:080", "1.2.3.4:80"),
    ])
    func hostPortParses(_ text: String, _ rendered: String) {
        #expect((try? SocketAddress.parse(text))?.description == rendered)
    }

    @Test(arguments: [
        "1.2.3.4", "1.2.3.4:", ":80", "[::1]", "[::1]80", "::1:80", "host:80", "1.2.3.4:-1",
        "1.2.3.4:+80", "[1.2.3.4]:80", "[fe80::1%eth0]:80", "1.2.3.4:123456",
    ])
    func hostPortRejects(_ text: String) {
        #expect((try? SocketAddress.parse(text)) == nil)
    }
}
