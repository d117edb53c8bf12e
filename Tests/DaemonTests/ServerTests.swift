import Libp2pCore
import Metrics
import Synchronization
import Testing
import WaystoneRuntime

@testable import Daemon

#if canImport(Glibc)
    import Glibc
#endif

/// A role whose work count the test controls.
final class FakeRole: DaemonRole, @unchecked Sendable {
    let name = "fake"
    var boundAddresses: [String] { ["fake-addr:1"] }
    let work = Atomic<Int>(0)
    let stops = Atomic<Int>(0)
    let flushes = Atomic<Int>(0)

    init(activeWork: Int) { work.store(activeWork, ordering: .relaxed) }

    func stopAcceptingWork() { stops.add(1, ordering: .relaxed) }
    var activeWork: Int { work.load(ordering: .relaxed) }
    func flush() { flushes.add(1, ordering: .relaxed) }
}

/// A `Server` running `run(watchSignals: false)` on a background thread, logging into memory.
final class ServerHarness {
    let root = TempDirectory()
    let sink = CollectingSink()
    let logger: Logger
    let server: Server
    let roles: [FakeRole]
    private let readyPort = Locked<UInt16?>(nil)
    private let exitCode = Locked<ExitCode?>(nil)
    private var thread: BackgroundThread?
    private(set) var stopSignalSent = false

    var dataDir: String { root.file("data") }

    static func defaultEnvironment(dataDir: String, drainSeconds: Int) -> [String: String] {
        [
            "WAYSTONE_DATA_DIR": dataDir, "WAYSTONE_METRICS_LISTEN": "127.0.0.1:0",
            "WAYSTONE_SHUTDOWN_DRAIN_SECONDS": "\(drainSeconds)",
        ]
    }

    /// - Parameters:
    ///   - environment: replaces the default environment (temp data dir, metrics on port 0, drain 1 s).
    ///   - configJSON: written to a temp file used as the loader's file path.
    init(
        drainSeconds: Int = 1, environment: [String: String]? = nil, configJSON: ((String) -> String)? = nil,
        roles: [FakeRole] = []
    ) throws {
        var filePath: String?
        if let configJSON {
            root.write("waystone.json", configJSON(root.file("data")))
            filePath = root.file("waystone.json")
        }
        let env =
            environment
            ?? (filePath == nil ? Self.defaultEnvironment(dataDir: root.file("data"), drainSeconds: drainSeconds) : [:])
        let loader = ConfigLoader(filePath: filePath, environment: env)
        let config = try loader.load()
        logger = Logger(level: config.log.level, format: config.log.format, sink: sink)
        self.roles = roles
        server = try Server(config: config, loader: loader, logger: logger, roles: roles)
        let readyPort = self.readyPort
        server.onReady = { server in readyPort.value = server.endpoint?.localAddress.port }
    }

    var configPath: String { root.file("waystone.json") }

    /// Starts `run` on a background thread and waits (5 s at most) until it is ready or has returned.
    func start() -> UInt16? {
        let box = UncheckedBox(server)
        let exitCode = self.exitCode
        thread = BackgroundThread { exitCode.value = box.value.run(watchSignals: false) }
        _ = waitUntil(timeout: 5) { readyPort.value != nil || exitCode.value != nil }
        return readyPort.value
    }

    var port: UInt16 { readyPort.value ?? 0 }
    var isRunning: Bool { thread.map { !$0.isFinished } ?? false }

    /// Calls `handleSignal` on the loop thread.
    @discardableResult
    func signal(_ number: Int32) -> Bool {
        if number == SIGTERM || number == SIGINT {
            // A second stop signal calls _exit: never send one.
            precondition(!stopSignalSent, "second stop signal would _exit the test process")
            stopSignalSent = true
        }
        let box = UncheckedBox(server)
        let done = Locked(false)
        server.remote.execute {
            box.value.handleSignal(number)
            done.value = true
        }
        return waitUntil(timeout: 3) { done.value }
    }

    /// Waits for `run` to return; nil on timeout.
    func waitForExit(timeout: Double) -> ExitCode? {
        guard let thread, thread.join(timeout: timeout) else { return nil }
        return exitCode.value
    }

    func readyz() -> HTTPReply? { get("/readyz", port: port) }

    func lines(_ fragment: String) -> [String] { sink.lines.filter { $0.contains(fragment) } }

    /// Stops the server if a test left it running (bounded), then removes the temp dir.
    func finish() {
        if let thread, !thread.isFinished {
            for role in roles { role.work.store(0, ordering: .relaxed) }
            if !stopSignalSent { signal(SIGTERM) }
            #expect(thread.join(timeout: 15), "server thread did not end")
        }
        removeTree(root.path)
    }
}

@Suite(.serialized) struct ServerTests {
    @Test func startLogsIdentityVersionAddressAndUnimplementedRoles() throws {
        let h = try ServerHarness(roles: [FakeRole(activeWork: 0)])
        defer { h.finish() }
        let port = try #require(h.start(), "server did not become ready: \(h.sink.lines)")
        #expect(port != 0)
        let peerID = try IdentityStore(dataDirectory: h.dataDir).load().peerID.description
        #expect(peerID.hasPrefix("12D3KooW"))

        let started = h.sink.lines.filter { $0.contains("msg=started") }
        #expect(started.count == 1)
        let line = try #require(started.first)
        #expect(line.contains("level=info"))
        #expect(line.contains("peer_id=\(peerID)"))
        #expect(
            line.contains("version=\(WaystoneVersion.current)") || line.contains("version=\"\(WaystoneVersion.current)")
        )
        #expect(line.contains("metrics=127.0.0.1:\(port)"))
        #expect(line.contains("fake=fake-addr:1"))
        #expect(h.lines("msg=\"identity created\"").count == 1)

        let unimplemented = h.lines("roles not implemented yet")
        #expect(unimplemented.count == 1)
        #expect(unimplemented.contains { $0.contains("relay") && !$0.contains("kademlia") })

        let ready = try #require(h.readyz())
        #expect(ready.status == 200)
        #expect(get("/healthz", port: port)?.status == 200)
        let metrics = try #require(get("/metrics", port: port))
        #expect(sampleValue(metrics.body, "waystone_ready") == 1)
        #expect(sampleValue(metrics.body, #"waystone_config_reloads_total{result="failure"}"#) == 0)
        #expect(metrics.body.contains("waystone_build_info{"))
        #expect(sampleValue(metrics.body, "process_resident_memory_bytes") ?? 0 > 0)

        #expect(h.signal(SIGTERM))
        #expect(h.waitForExit(timeout: 5) == .success)
        #expect(h.lines("msg=stopped").count == 1)
        #expect(h.roles[0].flushes.load(ordering: .relaxed) == 1)
        // The listener is gone once run returned.
        #expect(BlockingClient(port: port) == nil)
    }

    @Test func restartLoadsTheSameIdentity() throws {
        let first = try ServerHarness()
        defer { first.finish() }
        _ = try #require(first.start())
        first.signal(SIGTERM)
        #expect(first.waitForExit(timeout: 5) == .success)
        let peerID = try IdentityStore(dataDirectory: first.dataDir).load().peerID.description

        let second = try ServerHarness(
            environment: ServerHarness.defaultEnvironment(dataDir: first.dataDir, drainSeconds: 1))
        defer { second.finish() }
        _ = try #require(second.start())
        #expect(second.lines("identity created").isEmpty)
        #expect(second.lines("msg=started").first?.contains("peer_id=\(peerID)") == true)
        second.signal(SIGTERM)
        #expect(second.waitForExit(timeout: 5) == .success)
    }

    @Test func sigtermDrainsActiveWorkThenExits() throws {
        let role = FakeRole(activeWork: 1)
        let h = try ServerHarness(drainSeconds: 30, roles: [role])
        defer { h.finish() }
        _ = try #require(h.start())
        #expect(h.readyz()?.status == 200)

        #expect(h.signal(SIGTERM))
        let draining = try #require(h.readyz(), "metrics listener must stay up while draining")
        #expect(draining.status == 503)
        #expect(draining.body.contains("draining"))
        #expect(role.stops.load(ordering: .relaxed) == 1)
        #expect(h.lines("stop requested").count == 1)
        #expect(h.lines("stop requested").first?.contains("signal=SIGTERM") == true)

        sleepSeconds(0.4)
        #expect(h.isRunning, "run returned while work was still active")
        #expect(role.flushes.load(ordering: .relaxed) == 0)

        let dropped = monotonicSeconds()
        role.work.store(0, ordering: .relaxed)
        #expect(h.waitForExit(timeout: 3) == .success)
        #expect(monotonicSeconds() - dropped < 2)
        #expect(role.flushes.load(ordering: .relaxed) == 1)
        #expect(role.stops.load(ordering: .relaxed) == 1)
        #expect(h.lines("drain deadline").isEmpty)
    }

    @Test func sigintDrainsLikeSigterm() throws {
        let h = try ServerHarness()
        defer { h.finish() }
        _ = try #require(h.start())
        #expect(h.signal(SIGINT))
        #expect(h.waitForExit(timeout: 5) == .success)
        #expect(h.lines("stop requested").first?.contains("signal=SIGINT") == true)
    }

    @Test func drainDeadlineStopsWithWorkInProgress() throws {
        let role = FakeRole(activeWork: 1)
        let h = try ServerHarness(drainSeconds: 1, roles: [role])
        defer { h.finish() }
        _ = try #require(h.start())
        let start = monotonicSeconds()
        #expect(h.signal(SIGTERM))
        let code = h.waitForExit(timeout: 5)
        let elapsed = monotonicSeconds() - start
        #expect(code == .success)
        #expect(elapsed >= 0.8, "stopped before the drain deadline")
        #expect(elapsed < 3.5)
        let warnings = h.lines("drain deadline reached")
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("level=warn") == true)
        #expect(warnings.first?.contains("active=1") == true)
        #expect(role.flushes.load(ordering: .relaxed) == 1)
    }

    @Test func sigusr1DrainsWithoutExiting() throws {
        let role = FakeRole(activeWork: 0)
        let h = try ServerHarness(roles: [role])
        defer { h.finish() }
        let port = try #require(h.start())
        #expect(h.signal(SIGUSR1))
        let reply = try #require(h.readyz())
        #expect(reply.status == 503)
        #expect(reply.body.contains("draining"))
        #expect(role.stops.load(ordering: .relaxed) == 1)
        #expect(h.lines("drain requested").count == 1)
        sleepSeconds(0.3)
        #expect(h.isRunning, "SIGUSR1 must not stop the process")
        #expect(get("/healthz", port: port)?.status == 200)
        let metrics = try #require(get("/metrics", port: port))
        #expect(sampleValue(metrics.body, "waystone_ready") == 0)
        // A second SIGUSR1 changes nothing.
        #expect(h.signal(SIGUSR1))
        #expect(role.stops.load(ordering: .relaxed) == 1)

        #expect(h.signal(SIGTERM))
        #expect(h.waitForExit(timeout: 5) == .success)
        #expect(role.stops.load(ordering: .relaxed) == 1)
        #expect(role.flushes.load(ordering: .relaxed) == 1)
    }

    static func configJSON(level: String, drainSeconds: Int) -> (String) -> String {
        { dataDir in
            #"{"dataDir": ""# + dataDir + #"", "log": {"level": ""# + level
                + #""}, "metrics": {"listen": "127.0.0.1:0"}, "shutdown": {"drainSeconds": "# + "\(drainSeconds)}}\n"
        }
    }

    @Test func sighupAppliesRuntimeKeysAndReportsTheRest() throws {
        let h = try ServerHarness(configJSON: Self.configJSON(level: "info", drainSeconds: 1))
        defer { h.finish() }
        let port = try #require(h.start())
        #expect(h.logger.level == .info)

        h.root.write("waystone.json", Self.configJSON(level: "debug", drainSeconds: 5)(h.dataDir))
        #expect(h.signal(SIGHUP))
        let reloaded = h.lines("config reloaded")
        #expect(reloaded.count == 1)
        #expect(reloaded.first?.contains("applied=log.level") == true)
        #expect(reloaded.first?.contains("restart_needed=shutdown.drainSeconds") == true)
        #expect(h.logger.level == .debug)
        #expect(h.isRunning)

        h.root.write("waystone.json", "{ this is not json")
        #expect(h.signal(SIGHUP))
        let failed = h.lines("config reload failed")
        #expect(failed.count == 1)
        #expect(failed.first?.contains("level=error") == true)
        #expect(h.logger.level == .debug, "a failed reload must keep the running config")
        sleepSeconds(0.1)
        #expect(h.isRunning)
        #expect(h.readyz()?.status == 200)
        let metrics = try #require(get("/metrics", port: port))
        #expect(sampleValue(metrics.body, #"waystone_config_reloads_total{result="failure"}"#) == 1)
        #expect(sampleValue(metrics.body, #"waystone_config_reloads_total{result="success"}"#) == 1)

        // The drain time is not applied at runtime: stopping still uses the original 1 s (nothing is active anyway).
        #expect(h.signal(SIGTERM))
        #expect(h.waitForExit(timeout: 5) == .success)
        #expect(h.lines("stop requested").first?.contains("drain_seconds=1") == true)
    }

    @Test func metricsPortInUseIsAConfigError() throws {
        let holder = BoundSocket(listen: true)
        let root = TempDirectory()
        defer { removeTree(root.path) }
        let env = ["WAYSTONE_DATA_DIR": root.file("data"), "WAYSTONE_METRICS_LISTEN": "127.0.0.1:\(holder.port)"]
        let h = try ServerHarness(environment: env)
        defer { h.finish() }
        let code = h.server.run(watchSignals: false)
        #expect(code == .config)
        let errors = h.lines("level=error")
        #expect(errors.count == 1)
        #expect(errors.first?.contains("127.0.0.1:\(holder.port)") == true)
        #expect(h.lines("msg=started").isEmpty)
    }

    @Test func corruptIdentityIsAConfigErrorAndTheFileIsKept() throws {
        let h = try ServerHarness()
        defer { h.finish() }
        try DataDirectory.ensure(h.dataDir)
        let garbage = Array("not a key\n".utf8)
        try AtomicFile.write(garbage, to: h.dataDir + "/identity.key", mode: 0o600)
        let code = h.server.run(watchSignals: false)
        #expect(code == .config)
        #expect(readBytes(h.dataDir + "/identity.key") == garbage)
        #expect(TempDirectory.entries(of: h.dataDir) == ["identity.key"])
        let errors = h.lines("level=error")
        #expect(errors.count == 1)
        #expect(errors.first?.contains("identity.key") == true)
        #expect(h.lines("msg=started").isEmpty)
    }
}
