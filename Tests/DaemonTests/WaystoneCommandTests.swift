import Testing

@testable import Daemon

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct WaystoneCommandTests {
    func main(_ arguments: [String], _ environment: [String: String] = [:]) -> Int32 {
        WaystoneCommand.main(arguments: arguments, environment: environment)
    }

    @Test func versionAndHelpExitZero() {
        #expect(main(["version"]) == 0)
        #expect(main(["--version"]) == 0)
        #expect(main(["--help"]) == 0)
        #expect(main(["keygen", "--help"]) == 0)
    }

    @Test func badFlagsAreUsageErrors() {
        #expect(main(["--bogus"]) == 2)
        #expect(main(["frobnicate"]) == 2)
        #expect(main(["peer-id", "--force"]) == 2)
        #expect(main(["version", "--print-defaults"]) == 2)
    }

    @Test func healthcheckNeverExitsTwo() {
        #expect(main(["healthcheck", "--bogus"]) == 1)
        #expect(main(["healthcheck", "extra"]) == 1)
        #expect(main(["healthcheck"], ["WAYSTONE_NOPE": "1"]) == 1)
        #expect(main(["healthcheck"], ["WAYSTONE_METRICS_LISTEN": "not an address"]) == 1)
    }

    @Test func healthcheckOfClosedPortIsOne() {
        let port = unusedLoopbackPort()
        #expect(main(["healthcheck"], ["WAYSTONE_METRICS_LISTEN": "127.0.0.1:\(port)"]) == 1)
    }

    @Test func healthcheckOfRunningEndpointIsZero() throws {
        let f = try EndpointFixture()
        defer { f.stop() }
        #expect(main(["healthcheck"], ["WAYSTONE_METRICS_LISTEN": "127.0.0.1:\(f.port)"]) == 0)
        #expect(f.value(#"waystone_http_requests_total{path="healthz",code="200"}"#) == 1)
    }

    @Test func checkConfig() {
        #expect(main(["check-config"], ["WAYSTONE_NOPE": "1"]) == 2)
        #expect(main(["check-config", "--print-defaults"]) == 0)
        // --print-defaults does not even read the config.
        #expect(main(["check-config", "--print-defaults"], ["WAYSTONE_NOPE": "1"]) == 0)
        #expect(main(["check-config"], ["WAYSTONE_METRICS_LISTEN": "127.0.0.1:0"]) == 0)
        #expect(main(["check-config", "--config", "/nonexistent/waystone-test.json"]) == 2)
    }

    @Test func keygenAndPeerID() throws {
        let root = TempDirectory()
        defer { removeTree(root.path) }
        let env = ["WAYSTONE_DATA_DIR": root.file("data")]
        #expect(main(["peer-id"], env) == 2)
        #expect(!fileExists(root.file("data")), "peer-id must not create the data dir")
        #expect(main(["keygen"], env) == 0)
        let key = try IdentityStore(dataDirectory: root.file("data")).load()
        #expect(main(["peer-id"], env) == 0)
        #expect(main(["peer-id", "--data-dir", root.file("data")]) == 0)
        // A second keygen refuses without --force and keeps the key.
        #expect(main(["keygen"], env) == 2)
        #expect(try IdentityStore(dataDirectory: root.file("data")).load().peerID == key.peerID)
        #expect(main(["keygen", "--force"], env) == 0)
        #expect(try IdentityStore(dataDirectory: root.file("data")).load().peerID != key.peerID)
        #expect(TempDirectory.entries(of: root.file("data")).count == 2)
    }

    @Test func peerIDOfCorruptKeyIsTwo() throws {
        let root = TempDirectory()
        defer { removeTree(root.path) }
        try AtomicFile.write(Array("junk".utf8), to: root.file("identity.key"), mode: 0o600)
        #expect(main(["peer-id"], ["WAYSTONE_DATA_DIR": root.path]) == 2)
        #expect(readBytes(root.file("identity.key")) == Array("junk".utf8))
    }
}
