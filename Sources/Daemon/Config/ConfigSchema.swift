import Kademlia
import WaystoneRuntime

/// The configuration schema, written once as a table. Validation, environment variable names,
/// unknown-key rejection, the effective-config dump, the example config and the README table
/// all derive from `keys`.
public enum ConfigSchema {
    static let ipv4OrIPv6 = "IPv4 literal or bracketed IPv6 literal"

    /// Every leaf key, in the order used for dumps and docs.
    public static let keys: [ConfigKey] = [
        .text(
            "dataDir", \.dataDir, type: "non-empty path string", default: "./waystone-data",
            doc: "Directory for the identity key and state; created with mode 0700 if missing.",
            parse: { $0.isEmpty || $0.utf8.contains(0) ? nil : $0 }, render: { $0 }),
        .text(
            "log.level", \.log.level, type: "one of error|warn|info|debug", default: "info", runtime: true,
            doc: "Most verbose level that is logged.",
            parse: { LogLevel(name: $0) }, render: { $0.name }),
        .text(
            "log.format", \.log.format, type: "one of logfmt|json", default: "logfmt", runtime: true,
            doc: "Log line format on stderr: logfmt key=value pairs or one JSON object per line.",
            parse: { LogFormat(name: $0) }, render: { $0.name }),
        .text(
            "metrics.listen", \.metrics.listen, type: "\"host:port\" string", default: "127.0.0.1:8888",
            doc: "Address of the Prometheus /metrics HTTP endpoint (\(ipv4OrIPv6); port 0 picks a free port).",
            parse: { try? SocketAddress.parse($0) }, render: { $0.description }),
        .integer(
            "metrics.maxConnections", \.metrics.maxConnections, range: 1...10_000, default: 64,
            doc: "Maximum concurrent connections to the metrics endpoint."),
        .integer(
            "metrics.readTimeoutSeconds", \.metrics.readTimeoutSeconds, range: 1...300, default: 10,
            doc: "Seconds a metrics client has to send its request."),
        .list(
            "libp2p.listen", \.libp2p.listen,
            element: "\"/ip4/<ipv4>/tcp/<port>\" or \"/ip6/<ipv6>/tcp/<port>\" multiaddr",
            default: ["/ip4/0.0.0.0/tcp/4001", "/ip6/::/tcp/4001"],
            doc: "libp2p TCP listen addresses (Noise, Yamux; identify, identify push and ping so far).",
            parse: { MultiaddrSyntax.isListenAddress($0) ? $0 : nil }, render: { $0 }),
        .list(
            "libp2p.announce", \.libp2p.announce, element: "multiaddr starting with /ip4, /ip6, /dns, /dns4 or /dns6",
            default: [],
            doc:
                "Addresses advertised to peers instead of the listen addresses (empty: the bound addresses, 0.0.0.0 and :: expanded to the host's interface addresses).",
            parse: { MultiaddrSyntax.isSane($0) ? $0 : nil }, render: { $0 }),
        .boolean(
            "libp2p.allowPrivateAddresses", \.libp2p.allowPrivateAddresses, default: false,
            doc: "Accept and advertise private, loopback and link-local peer addresses (for tests and LANs)."),
        .list(
            "libp2p.peers", \.libp2p.peers, element: "multiaddr ending in /p2p/<peer ID>", default: [],
            doc:
                "Peers to stay connected to (like kubo's Peering): dialed at start and again 10 s after a failure or a disconnect, also when libp2p.listen is empty; private addresses need libp2p.allowPrivateAddresses.",
            parse: { MultiaddrSyntax.isSane($0) && $0.contains("/p2p/") ? $0 : nil }, render: { $0 }),
        .integer(
            "libp2p.addressRefreshSeconds", \.libp2p.addressRefreshSeconds, range: 0...86_400, default: 60,
            doc:
                "Without libp2p.announce: how often the interface addresses behind 0.0.0.0/:: listeners are re-read; on a change identify is pushed to connected peers (0: never)."
        ),
        .integer(
            "libp2p.limits.maxConnections", \.libp2p.limits.maxConnections, range: 1...1_000_000, default: 10_000,
            doc: "Concurrent inbound libp2p connections; more are closed at accept."),
        .integer(
            "libp2p.limits.maxConnectionsPerIP", \.libp2p.limits.maxConnectionsPerIP, range: 0...1_000_000, default: 8,
            doc:
                "Concurrent inbound libp2p connections from one IPv4 address or IPv6 /56 (go-libp2p: 8 per IPv4 /32; 0: unlimited)."
        ),
        .integer(
            "libp2p.limits.newConnectionsPerSecondPerIP", \.libp2p.limits.newConnectionsPerSecondPerIP,
            range: 0...1_000_000, default: 1,
            doc: "Token-bucket rate of new inbound connections per source IP (0: unlimited)."),
        .integer(
            "libp2p.limits.newConnectionsBurstPerIP", \.libp2p.limits.newConnectionsBurstPerIP, range: 1...1_000_000,
            default: 16, doc: "New inbound connections one IP may open at once before the rate applies (go-libp2p: 16)."
        ),
        .integer(
            "libp2p.limits.maxPendingHandshakes", \.libp2p.limits.maxPendingHandshakes, range: 0...1_000_000,
            default: 512, doc: "Inbound connections still upgrading at once; more are closed at accept (0: unlimited)."),
        .integer(
            "libp2p.limits.maxStreamsPerConnection", \.libp2p.limits.maxStreamsPerConnection, range: 1...100_000,
            default: 512, doc: "Concurrent Yamux streams per connection; more are reset (rust-libp2p stops at 512)."),
        .integer(
            "libp2p.limits.maxStreamWindowBytes", \.libp2p.limits.maxStreamWindowBytes,
            range: 262_144...268_435_456, default: 16_777_216,
            doc:
                "Yamux receive window a stream may grow to by auto-tuning (starts at 256 KiB; go-yamux's maximum is 16 MiB)."
        ),
        .integer(
            "libp2p.limits.maxInboundStreamsPerProtocol", \.libp2p.limits.maxInboundStreamsPerProtocol,
            range: 0...100_000, default: 128,
            doc: "Concurrent inbound streams of one protocol on one connection; more are reset (0: unlimited)."),
        .integer(
            "libp2p.limits.maxBufferedBytesPerConnection", \.libp2p.limits.maxBufferedBytesPerConnection,
            range: 0...1_073_741_824, default: 1_048_576,
            doc:
                "Bytes one connection may hold (socket write queue, Yamux send queues, partial messages); over it the connection is closed (0: unlimited)."
        ),
        .integer(
            "libp2p.limits.maxBufferedBytes", \.libp2p.limits.maxBufferedBytes, range: 0...1_099_511_627_776,
            default: 268_435_456,
            doc:
                "Bytes all libp2p connections together may hold; over it new inbound connections are refused and a connection that grows is closed (0: unlimited)."
        ),
        .integer(
            "libp2p.limits.maxRsaKeyBits", \.libp2p.limits.maxRsaKeyBits, range: 2048...8192, default: 8192,
            doc: "Largest RSA identity key accepted from a peer; larger ones fail the Noise handshake."),
        .integer(
            "libp2p.limits.maxPeerstorePeers", \.libp2p.limits.maxPeerstorePeers, range: 1...10_000_000,
            default: 10_000,
            doc: "Peers whose identify (addresses, protocols, agent) is remembered; the least recently seen go first."),
        .integer(
            "libp2p.limits.handshakeTimeoutSeconds", \.libp2p.limits.handshakeTimeoutSeconds, range: 1...300,
            default: 15, doc: "Seconds an inbound connection has to finish multistream, Noise and Yamux."),
        .boolean(
            "kademlia.enabled", \.kademlia.enabled, default: true,
            doc: "Run the Kademlia DHT service on the libp2p listener (needs libp2p.listen)."),
        .text(
            "kademlia.protocol", \.kademlia.protocolID, type: "protocol ID starting with /", default: "/ipfs/kad/1.0.0",
            doc: "DHT protocol ID (the public Amino DHT's by default; private networks use their own).",
            parse: { $0.hasPrefix("/") && $0.utf8.count <= 128 && !$0.contains("\n") ? $0 : nil }, render: { $0 }),
        .text(
            "kademlia.mode", \.kademlia.mode, type: "one of bootstrap|full", default: "bootstrap",
            doc:
                "bootstrap: answer with closer peers and store nothing (like the public bootstrappers); full: also keep provider records and /pk/ values.",
            parse: { KadMode(rawValue: $0) }, render: { $0.rawValue }),
        .list(
            "kademlia.bootstrapPeers", \.kademlia.bootstrapPeers, element: "multiaddr ending in /p2p/<peer ID>",
            default: [],
            doc:
                "DHT servers to join through: dialed at start and every kademlia.refreshSeconds, then a self-lookup and bucket refreshes.",
            parse: { MultiaddrSyntax.isSane($0) && $0.contains("/p2p/") ? $0 : nil }, render: { $0 }),
        .integer(
            "kademlia.bucketSize", \.kademlia.bucketSize, range: 1...100, default: 20,
            doc: "k: peers per routing-table bucket and per answer."),
        .integer(
            "kademlia.alpha", \.kademlia.alpha, range: 1...64, default: 10,
            doc: "Lookup concurrency (go's Amino DHT: 10)."),
        .integer(
            "kademlia.queryTimeoutSeconds", \.kademlia.queryTimeoutSeconds, range: 1...120, default: 10,
            doc: "Seconds one lookup query (dial, stream, answer) may take."),
        .integer(
            "kademlia.refreshSeconds", \.kademlia.refreshSeconds, range: 0...86_400, default: 600,
            doc: "How often bootstrap peers are re-dialed and the routing table refreshed (0: only at start)."),
        .integer(
            "kademlia.snapshotSeconds", \.kademlia.snapshotSeconds, range: 0...86_400, default: 300,
            doc:
                "How often the routing table (and, in full mode, the provider and value records) is saved to dataDir/kademlia.snapshot; it is saved at shutdown too (0: only then)."
        ),
        .integer(
            "kademlia.maxPeersPerGroupPerBucket", \.kademlia.maxPeersPerGroupPerBucket, range: 1...100, default: 2,
            doc:
                "Routing-table peers of one IPv4 /16 or IPv6 /32 per bucket (go-libp2p-kbucket's diversity filter; off when libp2p.allowPrivateAddresses)."
        ),
        .integer(
            "kademlia.maxPeersPerGroup", \.kademlia.maxPeersPerGroup, range: 1...10_000, default: 3,
            doc: "Routing-table peers of one IPv4 /16 or IPv6 /32 in the whole table."),
        .integer(
            "kademlia.limits.requestsPerSecondPerPeer", \.kademlia.limits.requestsPerSecondPerPeer,
            range: 0...1_000_000, default: 20,
            doc: "Token-bucket rate of DHT requests per peer; over it the stream is reset (0: unlimited)."),
        .integer(
            "kademlia.limits.burstPerPeer", \.kademlia.limits.burstPerPeer, range: 1...1_000_000, default: 40,
            doc: "DHT requests one peer may send at once before the rate applies."),
        .integer(
            "kademlia.limits.maxStreamsPerPeer", \.kademlia.limits.maxStreamsPerPeer, range: 0...10_000, default: 32,
            doc: "Concurrent inbound DHT streams per peer, all its connections together (0: unlimited)."),
        .integer(
            "kademlia.limits.maxProviderRecords", \.kademlia.limits.maxProviderRecords, range: 0...100_000_000,
            default: 100_000, doc: "Full mode: provider records kept in total (each lives 48 h)."),
        .integer(
            "kademlia.limits.maxProvidersPerKey", \.kademlia.limits.maxProvidersPerKey, range: 1...10_000, default: 20,
            doc: "Full mode: providers kept per key."),
        .integer(
            "kademlia.limits.maxValues", \.kademlia.limits.maxValues, range: 0...10_000_000, default: 10_000,
            doc: "Full mode: /pk/ value records kept."),
        .list(
            "stun.listen", \.stun.listen, element: "\"host:port\" string", default: ["0.0.0.0:3478", "[::]:3478"],
            doc: "STUN listen addresses, each bound on UDP and TCP (\(ipv4OrIPv6)); empty disables STUN.",
            parse: { try? SocketAddress.parse($0) }, render: { $0.description }),
        .boolean("stun.udp", \.stun.udp, default: true, doc: "Serve STUN over UDP on every stun.listen address."),
        .boolean("stun.tcp", \.stun.tcp, default: true, doc: "Serve STUN over TCP on every stun.listen address."),
        .text(
            "stun.software", \.stun.software, type: "string of at most 127 characters", default: "",
            doc: "SOFTWARE attribute for responses; empty sends none (smaller responses, less amplification).",
            parse: { $0.count <= 127 && !$0.unicodeScalars.contains { $0.value < 0x20 } ? $0 : nil },
            render: { $0 }),
        .integer(
            "stun.alternatePort", \.stun.alternatePort, range: 0...65535, default: 0,
            doc:
                "RFC 5780: a second port bound on the same addresses; enables OTHER-ADDRESS, RESPONSE-ORIGIN and CHANGE-REQUEST change-port (0: off)."
        ),
        .list(
            "stun.alternateAddresses", \.stun.alternateAddresses, element: "IPv4 or IPv6 literal", default: [],
            doc:
                "RFC 5780 change-IP: a second IPv4 and/or IPv6 address of this host, bound on the STUN port and stun.alternatePort (needs stun.alternatePort).",
            parse: { IPLiteral.isIPv4($0) || IPLiteral.isIPv6($0) ? $0 : nil }, render: { $0 }),
        .integer(
            "stun.limits.requestsPerSecondPerIP", \.stun.limits.requestsPerSecondPerIP, range: 0...10_000_000,
            default: 50,
            doc: "Token-bucket rate of STUN requests per source IP, UDP and TCP together (0: unlimited)."),
        .integer(
            "stun.limits.burstPerIP", \.stun.limits.burstPerIP, range: 1...10_000_000, default: 100,
            doc: "Token-bucket depth per source IP: requests allowed at once before the rate applies."),
        .integer(
            "stun.limits.penaltySeconds", \.stun.limits.penaltySeconds, range: 0...86_400, default: 60,
            doc: "A source that keeps exceeding its rate is ignored for this long (0: no penalty box)."),
        .integer(
            "stun.limits.maxTrackedIPs", \.stun.limits.maxTrackedIPs, range: 1...10_000_000, default: 100_000,
            doc: "Source IPs the rate limiter remembers; the stalest are forgotten first."),
        .integer(
            "stun.limits.maxTcpConnections", \.stun.limits.maxTcpConnections, range: 1...1_000_000, default: 4096,
            doc: "Concurrent STUN TCP connections; more are closed at accept."),
        .integer(
            "stun.limits.maxTcpConnectionsPerIP", \.stun.limits.maxTcpConnectionsPerIP, range: 1...1_000_000,
            default: 16,
            doc: "Concurrent STUN TCP connections from one source IP."),
        .integer(
            "stun.limits.tcpIdleSeconds", \.stun.limits.tcpIdleSeconds, range: 1...3600, default: 30,
            doc: "A STUN TCP connection without a complete request for this long is closed."),
        .integer(
            "stun.limits.maxRequestBytes", \.stun.limits.maxRequestBytes, range: 20...65_535, default: 1280,
            doc: "Largest STUN request accepted; larger ones are dropped (UDP) or close the connection (TCP)."),
        .integer(
            "shutdown.drainSeconds", \.shutdown.drainSeconds, range: 0...3600, default: 10,
            doc: "Seconds the roles get to finish open work after SIGTERM/SIGINT before the process exits anyway."),
    ]

    /// Key paths whose changes a reload applies without a restart (`log.level`, `log.format`).
    public static let runtimeKeyPaths: Set<String> = Set(keys.filter(\.appliesAtRuntime).map(\.path))

    /// `WAYSTONE_*` variables that are not config keys but are documented by the CLI and
    /// therefore not rejected as unknown. `WAYSTONE_CONFIG` names the config file when `--config` is absent.
    public static let reservedEnvironmentNames: Set<String> = ["WAYSTONE_CONFIG"]

    /// Every key at its default, built from the table.
    static let defaultConfig: WaystoneConfig = {
        var config = WaystoneConfig(blank: ())
        for key in keys { try? key.apply(key.defaultValue, &config) }
        return config
    }()

    static let keysByPath: [String: ConfigKey] = Dictionary(uniqueKeysWithValues: keys.map { ($0.path, $0) })
    static let keysByEnvironmentName: [String: ConfigKey] = Dictionary(
        uniqueKeysWithValues: keys.map { ($0.environmentName, $0) })

    /// Dotted prefixes that are objects (`log`, `metrics`, ...).
    static let sectionPaths: Set<String> = {
        var sections = Set<String>()
        for key in keys {
            var parts = key.path.split(separator: ".").dropLast()
            while !parts.isEmpty {
                sections.insert(parts.joined(separator: "."))
                parts = parts.dropLast()
            }
        }
        return sections
    }()

    /// The schema row for a dotted key path.
    public static func key(forPath path: String) -> ConfigKey? { keysByPath[path] }

    /// The schema row for an environment variable name.
    public static func key(forEnvironmentName name: String) -> ConfigKey? { keysByEnvironmentName[name] }

    /// Pretty JSON with every key at its default, in schema order (the content of
    /// `config/waystone.example.json` and `waystone check-config --print-defaults`).
    public static func exampleJSON() -> String {
        nested(keys.map { ($0.path, $0.defaultValue) }).prettyPrinted()
    }

    /// A GitHub-flavoured markdown table documenting every key, for the README.
    public static func markdownTable() -> String {
        var out = "| Key | Type | Default | Environment variable | Reload | Description |\n"
        out += "|---|---|---|---|---|---|\n"
        for key in keys {
            let cells = [
                "`\(key.path)`", escapeHTML(key.typeDescription), "`\(key.defaultValue.compact())`",
                "`\(key.environmentName)`", key.appliesAtRuntime ? "applied" : "restart", escapeHTML(key.doc),
            ]
            out += "| " + cells.map(escapeCell).joined(separator: " | ") + " |\n"
        }
        return out
    }

    /// Keeps `<ipv4>`-style placeholders visible outside code spans.
    private static func escapeHTML(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// Escapes the cell separator (also valid inside code spans in GitHub tables).
    private static func escapeCell(_ s: String) -> String {
        var out = ""
        for ch in s {
            if ch == "|" { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    /// Builds a nested object from dotted paths, keeping first-seen order at every level.
    static func nested(_ entries: [(String, JSONValue)]) -> JSONValue {
        var root: [(key: String, value: JSONValue)] = []
        for (path, value) in entries {
            insert(value, at: path.split(separator: ".").map(String.init)[...], into: &root)
        }
        return .object(root)
    }

    private static func insert(
        _ value: JSONValue, at path: ArraySlice<String>, into members: inout [(key: String, value: JSONValue)]
    ) {
        guard let head = path.first else { return }
        let rest = path.dropFirst()
        if rest.isEmpty {
            members.append((key: head, value: value))
            return
        }
        if let i = members.firstIndex(where: { $0.key == head }), case .object(var child) = members[i].value {
            insert(value, at: rest, into: &child)
            members[i].value = .object(child)
        } else {
            var child: [(key: String, value: JSONValue)] = []
            insert(value, at: rest, into: &child)
            members.append((key: head, value: .object(child)))
        }
    }
}
