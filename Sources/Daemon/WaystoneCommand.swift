import WaystoneRuntime

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The `waystone` command: arguments and environment in, exit code out.
public enum WaystoneCommand {
    /// Runs the command line `arguments` (without argv[0]).
    public static func main(arguments: [String], environment: [String: String]) -> Int32 {
        let isHealthcheck = arguments.first == "healthcheck"
        // healthcheck reports only 0 or 1 (Docker reserves 2).
        let usageFailure = isHealthcheck ? ExitCode.failure : ExitCode.usage
        let invocation: Invocation
        do {
            invocation = try CommandLineParser.parse(arguments)
        } catch {
            printError("waystone: \(error) (see waystone --help)")
            return usageFailure.rawValue
        }
        switch invocation.command {
        case .help(let text):
            print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
            return ExitCode.success.rawValue
        case .version:
            print("waystone \(WaystoneVersion.current) (swift \(WaystoneVersion.swiftCompiler))")
            return ExitCode.success.rawValue
        case .checkConfig(printDefaults: true):
            print(ConfigSchema.exampleJSON(), terminator: "")
            return ExitCode.success.rawValue
        default:
            break
        }

        let loader = ConfigLoader(
            filePath: invocation.resolvedConfigPath(environment: environment), environment: environment,
            overrides: invocation.overrides)
        let config: WaystoneConfig
        do {
            config = try loader.load()
        } catch {
            printError("waystone: \(error)")
            return usageFailure.rawValue
        }

        switch invocation.command {
        case .checkConfig:
            print(config.effectiveJSON(), terminator: "")
            return ExitCode.success.rawValue
        case .keygen(let force):
            do {
                let (key, replaced) = try IdentityStore(dataDirectory: config.dataDir).generate(force: force)
                if let replaced { printError("waystone: the previous identity was moved to \(replaced)") }
                print(key.peerID.description)
                return ExitCode.success.rawValue
            } catch {
                printError("waystone: \(error)")
                return ExitCode.config.rawValue
            }
        case .peerID:
            do {
                print(try IdentityStore(dataDirectory: config.dataDir).load().peerID.description)
                return ExitCode.success.rawValue
            } catch {
                printError("waystone: \(error)")
                return ExitCode.config.rawValue
            }
        case .healthcheck:
            if let problem = Healthcheck.probe(config.metrics.listen) {
                printError("waystone healthcheck: unhealthy: \(problem)")
                return ExitCode.failure.rawValue
            }
            return ExitCode.success.rawValue
        case .run:
            return run(config: config, loader: loader).rawValue
        case .help, .version:
            return ExitCode.success.rawValue
        }
    }

    private static func run(config: WaystoneConfig, loader: ConfigLoader) -> ExitCode {
        EventLoop.ignoreSIGPIPE()
        let logger = Logger(level: config.log.level, format: config.log.format)
        do {
            // Before any other thread exists, so signalfd sees process-directed signals.
            try EventLoop.blockSignals([SIGTERM, SIGINT, SIGHUP, SIGUSR1])
            return try Server(config: config, loader: loader, logger: logger).run()
        } catch {
            logger.error("cannot start: \(error)")
            return .failure
        }
    }

    private static func printError(_ line: String) {
        FileDescriptorLogSink(fd: STDERR_FILENO).write(line: line)
    }
}
