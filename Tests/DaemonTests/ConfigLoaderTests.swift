import Testing
import WaystoneRuntime

@testable import Daemon

@Suite struct ConfigLoaderTests {
    func load(_ json: String? = nil, env: [String: String] = [:], flags: ConfigOverrides = ConfigOverrides())
        throws(ConfigError) -> WaystoneConfig
    {
        let dir = TempDirectory()
        defer { dir.remove() }
        var path: String?
        if let json {
            dir.write("waystone.json", json)
            path = dir.file("waystone.json")
        }
        return try ConfigLoader.load(filePath: path, environment: env, overrides: flags)
    }

    /// The error's description with the temp file path replaced by `FILE`.
    func failure(_ json: String? = nil, env: [String: String] = [:], flags: ConfigOverrides = ConfigOverrides())
        -> String
    {
        do {
            _ = try load(json, env: env, flags: flags)
            return "no error"
        } catch {
            if case .file(let path) = error.source {
                return "FILE" + error.description.dropFirst("config file \(path)".count)
            }
            return error.description
        }
    }

    @Test func defaultsWithoutFile() throws {
        let config = try load()
        #expect(config == WaystoneConfig())
        #expect(config.dataDir == "./waystone-data")
        #expect(config.log.level == .info)
        #expect(config.log.format == .logfmt)
        #expect(config.metrics.listen == (try? SocketAddress.parse("127.0.0.1:8888")))
        #expect(config.metrics.maxConnections == 64)
        #expect(config.metrics.readTimeoutSeconds == 10)
        #expect(config.libp2p.listen == ["/ip4/0.0.0.0/tcp/4001", "/ip6/::/tcp/4001"])
        #expect(config.libp2p.announce == [])
        #expect(config.libp2p.allowPrivateAddresses == false)
        #expect(config.stun.listen.map(\.description) == ["0.0.0.0:3478", "[::]:3478"])
        #expect(config.shutdown.drainSeconds == 10)
    }

    @Test func fileValuesApply() throws {
        let config = try load(
            #"""
            {"dataDir": "/srv/w", "log": {"level": "debug"}, "metrics": {"listen": "[::1]:0", "maxConnections": 10000},
             "libp2p": {"announce": ["/dns4/boot.example.org/tcp/4001/p2p/12D3KooW", "/ip4/1.2.3.4/udp/4001/quic-v1"],
                        "allowPrivateAddresses": true},
             "stun": {"listen": []}, "shutdown": {"drainSeconds": 0}}
            """#)
        #expect(config.dataDir == "/srv/w")
        #expect(config.log.level == .debug)
        #expect(config.metrics.listen.description == "[::1]:0")
        #expect(config.metrics.maxConnections == 10000)
        #expect(config.libp2p.announce.count == 2)
        #expect(config.libp2p.allowPrivateAddresses)
        #expect(config.stun.listen.isEmpty)
        #expect(config.shutdown.drainSeconds == 0)
        #expect(config.metrics.readTimeoutSeconds == 10)
    }

    @Test func precedenceFlagsOverEnvOverFile() throws {
        let file =
            #"{"dataDir": "/file", "log": {"level": "warn", "format": "json"}, "metrics": {"maxConnections": 5}}"#
        let env = ["WAYSTONE_DATA_DIR": "/env", "WAYSTONE_LOG_LEVEL": "error", "PATH": "/bin"]
        let config = try load(file, env: env, flags: ConfigOverrides(dataDir: "/flag"))
        #expect(config.dataDir == "/flag")
        #expect(config.log.level == .error)
        #expect(config.log.format == .json)
        #expect(config.metrics.maxConnections == 5)
    }

    @Test func environmentKinds() throws {
        let config = try load(env: [
            "WAYSTONE_LIBP2P_LISTEN": " /ip4/127.0.0.1/tcp/1 , /ip6/::1/tcp/2 ",
            "WAYSTONE_LIBP2P_ANNOUNCE": "",
            "WAYSTONE_LIBP2P_ALLOW_PRIVATE_ADDRESSES": "yes",
            "WAYSTONE_METRICS_READ_TIMEOUT_SECONDS": "300",
            "WAYSTONE_STUN_LISTEN": "1.2.3.4:3478",
            "WAYSTONE_CONFIG": "/ignored/by/the/loader.json",
        ])
        #expect(config.libp2p.listen == ["/ip4/127.0.0.1/tcp/1", "/ip6/::1/tcp/2"])
        #expect(config.libp2p.announce == [])
        #expect(config.libp2p.allowPrivateAddresses)
        #expect(config.metrics.readTimeoutSeconds == 300)
        #expect(config.stun.listen.map(\.description) == ["1.2.3.4:3478"])
    }

    @Test(arguments: [
        (#"{"metrics": {"lisen": "x"}}"#, "FILE: metrics.lisen: unknown key"),
        (#"{"bogus": 1}"#, "FILE: bogus: unknown key"),
        (
            #"{"metrics": {"listen": "localhost:80"}}"#,
            #"FILE: metrics.listen: expected "host:port" string, got "localhost:80""#
        ),
        (#"{"metrics": {"listen": 8888}}"#, #"FILE: metrics.listen: expected "host:port" string, got 8888"#),
        (#"{"metrics": {"listen": "::1:80"}}"#, #"FILE: metrics.listen: expected "host:port" string, got "::1:80""#),
        (
            #"{"metrics": {"listen": "1.2.3.4:65536"}}"#,
            #"FILE: metrics.listen: expected "host:port" string, got "1.2.3.4:65536""#
        ),
        (#"{"metrics": {"maxConnections": 0}}"#, "FILE: metrics.maxConnections: expected integer in 1...10000, got 0"),
        (
            #"{"metrics": {"maxConnections": 1.5}}"#,
            "FILE: metrics.maxConnections: expected integer in 1...10000, got 1.5"
        ),
        (
            #"{"metrics": {"maxConnections": "5"}}"#,
            #"FILE: metrics.maxConnections: expected integer in 1...10000, got "5""#
        ),
        (
            #"{"shutdown": {"drainSeconds": 3601}}"#,
            "FILE: shutdown.drainSeconds: expected integer in 0...3600, got 3601"
        ),
        (#"{"log": {"level": "loud"}}"#, #"FILE: log.level: expected one of error|warn|info|debug, got "loud""#),
        (#"{"log": "debug"}"#, #"FILE: log: expected object, got "debug""#),
        (
            #"{"libp2p": {"allowPrivateAddresses": "true"}}"#,
            #"FILE: libp2p.allowPrivateAddresses: expected boolean, got "true""#
        ),
        (
            #"{"libp2p": {"listen": ["/ip4/0.0.0.0/tcp/1", "/dns4/x/tcp/1"]}}"#,
            #"FILE: libp2p.listen[1]: expected "/ip4/<ipv4>/tcp/<port>" or "/ip6/<ipv6>/tcp/<port>" multiaddr, got "/dns4/x/tcp/1""#
        ),
        (
            #"{"libp2p": {"listen": "/ip4/0.0.0.0/tcp/1"}}"#,
            #"FILE: libp2p.listen: expected list of "/ip4/<ipv4>/tcp/<port>" or "/ip6/<ipv6>/tcp/<port>" multiaddr, got "/ip4/0.0.0.0/tcp/1""#
        ),
        (
            #"{"libp2p": {"announce": ["/udp/1"]}}"#,
            #"FILE: libp2p.announce[0]: expected multiaddr starting with /ip4, /ip6, /dns, /dns4 or /dns6, got "/udp/1""#
        ),
        (#"{"dataDir": ""}"#, #"FILE: dataDir: expected non-empty path string, got """#),
        ("[]", "FILE: top level must be a JSON object, got array"),
        ("{\n\"a\": }", "FILE: invalid JSON: line 2, column 6: unexpected '}', expected a JSON value"),
        (#"{"dataDir": "a", "dataDir": "b"}"#, "FILE: invalid JSON: line 1, column 18: duplicate key dataDir"),
    ])
    func fileErrorsNameKeyPaths(_ json: String, _ expected: String) {
        #expect(failure(json) == expected)
    }

    @Test(arguments: [
        (
            ["WAYSTONE_METRICS_LISEN": "x"],
            "environment variable WAYSTONE_METRICS_LISEN: unknown WAYSTONE_* variable (no such config key)"
        ),
        (
            ["WAYSTONE_METRICS_LISTEN": "nope"],
            #"environment variable WAYSTONE_METRICS_LISTEN: metrics.listen: expected "host:port" string, got "nope""#
        ),
        (
            ["WAYSTONE_METRICS_MAX_CONNECTIONS": "12x"],
            #"environment variable WAYSTONE_METRICS_MAX_CONNECTIONS: metrics.maxConnections: expected integer in 1...10000, got "12x""#
        ),
        (
            ["WAYSTONE_METRICS_MAX_CONNECTIONS": "+12"],
            #"environment variable WAYSTONE_METRICS_MAX_CONNECTIONS: metrics.maxConnections: expected integer in 1...10000, got "+12""#
        ),
        (
            ["WAYSTONE_METRICS_MAX_CONNECTIONS": "10001"],
            "environment variable WAYSTONE_METRICS_MAX_CONNECTIONS: metrics.maxConnections: expected integer in 1...10000, got 10001"
        ),
        (
            ["WAYSTONE_LIBP2P_ALLOW_PRIVATE_ADDRESSES": "maybe"],
            #"environment variable WAYSTONE_LIBP2P_ALLOW_PRIVATE_ADDRESSES: libp2p.allowPrivateAddresses: expected true|false|1|0|yes|no, got "maybe""#
        ),
        (
            ["WAYSTONE_STUN_LISTEN": "1.2.3.4:1,,[::]:2"],
            #"environment variable WAYSTONE_STUN_LISTEN: stun.listen[1]: expected "host:port" string, got """#
        ),
    ])
    func environmentErrorsNameTheVariable(_ env: [String: String], _ expected: String) {
        #expect(failure(env: env) == expected)
    }

    @Test func flagErrorsNameTheFlag() {
        #expect(
            failure(flags: ConfigOverrides(logLevel: "trace"))
                == #"flag --log-level: log.level: expected one of error|warn|info|debug, got "trace""#)
        #expect(
            failure(flags: ConfigOverrides(logFormat: "xml"))
                == #"flag --log-format: log.format: expected one of logfmt|json, got "xml""#)
    }

    @Test func unreadableFileNamesThePath() {
        do {
            _ = try ConfigLoader.load(
                filePath: "/nonexistent/waystone.json", environment: [:], overrides: ConfigOverrides())
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .unreadable)
            #expect(
                error.description
                    == "config file /nonexistent/waystone.json: cannot open: No such file or directory (errno 2)")
        }
        #expect(throws: ConfigError.self) {
            try ConfigLoader.load(filePath: "/tmp", environment: [:], overrides: ConfigOverrides())
        }
    }

    @Test func reloadRereadsTheFile() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        dir.write("w.json", #"{"log": {"level": "info"}}"#)
        let loader = ConfigLoader(filePath: dir.file("w.json"), environment: [:])
        let first = try loader.load()
        dir.write("w.json", #"{"log": {"level": "debug"}, "metrics": {"listen": "127.0.0.1:9999"}}"#)
        let second = try loader.load()
        let changes = first.diff(second)
        #expect(changes.map(\.keyPath) == ["log.level", "metrics.listen"])
        #expect(changes[0].old == #""info""# && changes[0].new == #""debug""#)
        #expect(ConfigSchema.runtimeKeyPaths == ["log.level", "log.format"])
        #expect(first.diff(first).isEmpty)
    }
}
