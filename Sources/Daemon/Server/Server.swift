import HTTP1
import Libp2pCore
import Metrics
import WaystoneRuntime

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// `waystone run`: loads the identity, binds the metrics endpoint and every implemented role, reports ready,
/// and runs the event loop until a signal stops it.
///
/// Lifecycle:
/// - SIGTERM/SIGINT: `/readyz` turns 503, roles stop taking new work (their listeners close; the metrics listener
///   stays up until exit so the 503 can be seen), work drains for up to `shutdown.drainSeconds`, roles flush their
///   data, exit 0. A second SIGTERM/SIGINT exits at once with code 1.
/// - SIGUSR1: drain without exiting (`/readyz` 503, roles stop taking new work); a restart ends it.
/// - SIGHUP: re-read the config file and environment; apply what can change at runtime (`log.level`,
///   `log.format`), log what needs a restart.
final class Server {
    private let loader: ConfigLoader
    private var config: WaystoneConfig
    private let logger: Logger
    private let loop: EventLoop
    let registry = MetricsRegistry()
    /// Roles given by a test; nil: the standard roles built from the config in `run`.
    private let fixedRoles: [any DaemonRole]?
    private var roles: [any DaemonRole] = []
    private let metrics: ServerMetrics
    private(set) var endpoint: MetricsEndpoint?
    private(set) var peerID: PeerID?

    private var isStarted = false
    private var isDraining = false
    private var isExitRequested = false
    private var drainDeadline: UInt64 = 0

    /// Called on the loop thread once everything is bound and ready (tests use it to find the port).
    var onReady: ((Server) -> Void)?

    /// Runs work on the loop thread from another thread (tests deliver signals through it).
    var remote: EventLoopRemote { loop.remote }

    /// - Parameter roles: nil (the daemon) builds the roles the config enables; tests pass their own.
    init(config: WaystoneConfig, loader: ConfigLoader, logger: Logger, roles: [any DaemonRole]? = nil)
        throws(RuntimeError)
    {
        self.config = config
        self.loader = loader
        self.logger = logger
        fixedRoles = roles
        loop = try EventLoop()
        metrics = ServerMetrics(registry: registry)
    }

    /// Why `/readyz` is 503, or nil when ready.
    var notReadyReason: String? {
        if isDraining { return "draining" }
        if !isStarted { return "starting" }
        return nil
    }

    /// Runs until stopped. `watchSignals` is false in in-process tests, which call ``handleSignal(_:)``.
    func run(watchSignals: Bool = true) -> ExitCode {
        defer { loop.close() }
        let identity: Libp2pPrivateKey
        do {
            let loaded = try IdentityStore(dataDirectory: config.dataDir).loadOrCreate()
            for warning in loaded.warnings { logger.warn(warning) }
            if loaded.created {
                logger.info("identity created", ["path": "\(config.dataDir)/\(IdentityStore.fileName)"])
            }
            identity = loaded.key
        } catch {
            logger.error(error.description)
            return .config
        }
        peerID = identity.peerID

        do {
            try ProcessMetrics.register(in: registry)
        } catch {
            logger.error("cannot register process metrics", ["error": "\(error)"])
            return .failure
        }

        let listen = config.metrics.listen
        do {
            let address = try SocketAddress.parse(listen.description)
            var http = HTTPConnectionConfig()
            http.readTimeoutNanoseconds = UInt64(config.metrics.readTimeoutSeconds) * 1_000_000_000
            endpoint = try MetricsEndpoint(
                loop: loop,
                config: .init(address: address, maxConnections: config.metrics.maxConnections, http: http),
                registry: registry, readiness: { [unowned self] in self.notReadyReason })
        } catch {
            logger.error("cannot listen on metrics.listen \(listen): \(error)")
            return .config
        }

        if watchSignals {
            do {
                try loop.watchSignals([SIGTERM, SIGINT, SIGHUP, SIGUSR1]) { [unowned self] in self.handleSignal($0) }
            } catch {
                logger.error("cannot watch signals: \(error)")
                return .failure
            }
        }

        if let fixedRoles {
            roles = fixedRoles
        } else {
            do {
                roles = try makeStandardRoles(identity: identity)
            } catch {
                logger.error(error.description)
                return .config
            }
        }
        logUnimplementedRoles()
        isStarted = true
        metrics.ready.set(1)
        var fields: [(String, String)] = [
            ("version", WaystoneVersion.current), ("peer_id", identity.peerID.description),
            ("metrics", endpoint.map { "\($0.localAddress)" } ?? ""), ("data_dir", config.dataDir),
        ]
        for role in roles { fields.append((role.name, role.boundAddresses.joined(separator: ","))) }
        logger.log(.info, "started", fields)
        onReady?(self)

        do {
            try loop.run()
        } catch {
            logger.error("event loop failed: \(error)")
            return .failure
        }
        for role in roles { role.flush() }
        endpoint?.close()
        logger.info("stopped")
        return .success
    }

    /// Acts on a signal number (from the signalfd, or directly in tests).
    func handleSignal(_ signal: Int32) {
        switch signal {
        case SIGTERM, SIGINT:
            if isExitRequested {
                logger.warn("second stop signal: exiting at once", ["signal": Self.name(of: signal)])
                _exit(ExitCode.failure.rawValue)
            }
            isExitRequested = true
            logger.info(
                "stop requested: draining",
                ["signal": Self.name(of: signal), "drain_seconds": "\(config.shutdown.drainSeconds)"])
            beginDrain()
            drainDeadline = loop.nowNanoseconds() + UInt64(config.shutdown.drainSeconds) * 1_000_000_000
            checkDrained()
        case SIGUSR1:
            logger.info("drain requested: no new work, still running", ["signal": "SIGUSR1"])
            beginDrain()
        case SIGHUP:
            reload()
        default:
            break
        }
    }

    private func beginDrain() {
        guard !isDraining else { return }
        isDraining = true
        metrics.ready.set(0)
        for role in roles { role.stopAcceptingWork() }
    }

    private func checkDrained() {
        let active = roles.reduce(0) { $0 + $1.activeWork }
        if active == 0 {
            loop.stop()
        } else if loop.nowNanoseconds() >= drainDeadline {
            logger.warn("drain deadline reached: stopping with work in progress", ["active": "\(active)"])
            loop.stop()
        } else {
            loop.schedule(afterNanoseconds: 100_000_000) { [weak self] in self?.checkDrained() }
        }
    }

    /// SIGHUP: re-read the configuration; apply runtime keys, report the rest.
    private func reload() {
        let next: WaystoneConfig
        do {
            next = try loader.load()
        } catch {
            metrics.reloads.labels("failure").inc()
            logger.error("config reload failed: keeping the running config", ["error": error.description])
            return
        }
        let changes = config.diff(next)
        let applied = changes.map(\.keyPath).filter { ConfigSchema.runtimeKeyPaths.contains($0) }
        let needsRestart = changes.map(\.keyPath).filter { !ConfigSchema.runtimeKeyPaths.contains($0) }
        metrics.reloads.labels("success").inc()
        // Logged before the new level applies, so lowering the level does not hide what was done.
        logger.info(
            "config reloaded",
            ["applied": applied.joined(separator: ","), "restart_needed": needsRestart.joined(separator: ",")])
        config.log = next.log
        logger.level = next.log.level
        logger.format = next.log.format
    }

    /// A role that could not start: one line, exit code 2.
    struct RoleStartError: Error, CustomStringConvertible {
        let description: String
    }

    /// The roles the configuration enables, bound now (before the node reports ready).
    private func makeStandardRoles(identity: Libp2pPrivateKey) throws(RoleStartError) -> [any DaemonRole] {
        var roles: [any DaemonRole] = []
        let defaults = WaystoneConfig()
        let warn: (String) -> Void = { [logger] in logger.warn($0) }
        let stunMetrics = StunMetrics(registry: registry)
        let libp2pMetrics = Libp2pMetrics(
            registry: registry, serviceProtocols: config.kademlia.enabled ? [config.kademlia.protocolID] : [])
        do {
            if !config.stun.listen.isEmpty && (config.stun.udp || config.stun.tcp) {
                roles.append(
                    try StunRole(
                        config: config.stun, isDefaultListen: config.stun.listen == defaults.stun.listen, loop: loop,
                        metrics: stunMetrics, warn: warn))
            } else {
                logger.info("role disabled by configuration", ["role": "stun"])
            }
        } catch {
            throw RoleStartError(description: error.description)
        }
        let kademliaMetrics = KademliaMetrics(registry: registry)
        do {
            if !config.libp2p.listen.isEmpty || !config.libp2p.peers.isEmpty {
                let log: (String, [(String, String)]) -> Void = { [logger] event, fields in
                    logger.log(.info, event, fields)
                }
                var services: [any Libp2pService] = []
                if config.kademlia.enabled && !config.libp2p.listen.isEmpty {
                    services.append(
                        try KademliaService(
                            config: config.kademlia, dataDir: config.dataDir,
                            allowPrivateAddresses: config.libp2p.allowPrivateAddresses, localPeer: identity.peerID,
                            metrics: kademliaMetrics, log: log))
                } else {
                    logger.info("role disabled by configuration", ["role": "kademlia"])
                }
                roles.append(
                    try Libp2pRole(
                        config: config.libp2p, isDefaultListen: config.libp2p.listen == defaults.libp2p.listen,
                        identity: identity, loop: loop, metrics: libp2pMetrics, warn: warn, log: log,
                        services: services))
            } else {
                logger.info("role disabled by configuration", ["role": "libp2p"])
            }
        } catch {
            for role in roles { role.stopAcceptingWork() }
            throw RoleStartError(description: "\(error)")
        }
        return roles
    }

    /// Roles that do not exist yet: say so.
    private func logUnimplementedRoles() {
        logger.info(
            "roles not implemented yet", ["roles": "relay,rendezvous,autonat"])
    }

    static func name(of signal: Int32) -> String {
        switch signal {
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        case SIGHUP: "SIGHUP"
        case SIGUSR1: "SIGUSR1"
        default: "\(signal)"
        }
    }
}

/// Node-wide metrics that are not a role's: readiness, build info, config reloads.
struct ServerMetrics {
    let ready: GaugeFamily
    let reloads: CounterFamily

    init(registry: MetricsRegistry) {
        do {
            ready = try registry.gauge(
                "waystone_ready", help: "1 when /readyz answers 200 (every role bound, identity loaded, not draining).")
            reloads = try registry.counter(
                "waystone_config_reloads_total", help: "Configuration reloads on SIGHUP, by result.",
                labelNames: ["result"])
            for result in ["success", "failure"] { reloads.labels(result).inc(by: 0) }
            let build = try registry.gauge(
                "waystone_build_info", help: "Build information; the value is always 1.",
                labelNames: ["version", "swift"])
            build.labels(WaystoneVersion.current, WaystoneVersion.swiftCompiler).set(1)
        } catch {
            // Names are constants checked by the tests; a failure here is a programming error.
            preconditionFailure("server metrics registration: \(error)")
        }
    }
}
