import Testing

@testable import Daemon

@Suite struct CommandLineParserTests {
    func parse(_ line: String) throws(CLIError) -> Invocation {
        try CommandLineParser.parse(line.split(separator: " ").map(String.init))
    }

    func error(_ line: String) -> String {
        do {
            _ = try parse(line)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test func noSubcommandMeansRun() throws {
        #expect(try parse("") == Invocation(command: .run))
        #expect(try parse("--config /etc/w.json") == Invocation(command: .run, configPath: "/etc/w.json"))
    }

    @Test func subcommandsAndTheirFlags() throws {
        #expect(try parse("run").command == .run)
        #expect(try parse("keygen").command == .keygen(force: false))
        #expect(try parse("keygen --force").command == .keygen(force: true))
        #expect(try parse("--force keygen").command == .keygen(force: true))
        #expect(try parse("peer-id").command == .peerID)
        #expect(try parse("check-config").command == .checkConfig(printDefaults: false))
        #expect(try parse("check-config --print-defaults").command == .checkConfig(printDefaults: true))
        #expect(try parse("healthcheck").command == .healthcheck)
        #expect(try parse("version").command == .version)
    }

    @Test func commonFlagsInBothSpellings() throws {
        let a = try parse("run --config=/c.json --data-dir /d --log-level=debug --log-format json")
        #expect(a.configPath == "/c.json")
        #expect(a.overrides == ConfigOverrides(dataDir: "/d", logLevel: "debug", logFormat: "json"))
        let b = try parse("--data-dir=a=b healthcheck --data-dir=c")
        #expect(b.command == .healthcheck)
        #expect(b.overrides.dataDir == "c")
    }

    @Test func helpAndVersionAnywhere() throws {
        guard case .help(let global) = try parse("--help").command else { Issue.record("no help"); return }
        #expect(global.contains("Subcommands:"))
        #expect(global.contains("WAYSTONE_METRICS_LISTEN"))
        #expect(global.contains("Print the version\n\nFlags (all subcommands):"))
        #expect(global.contains("unbindable listener)\n\nRun 'waystone SUBCOMMAND --help'"))
        guard case .help(let keygen) = try parse("keygen -h").command else { Issue.record("no help"); return }
        #expect(keygen.hasPrefix("Usage: waystone keygen [FLAGS]"))
        #expect(keygen.contains("--force"))
        guard case .help(let check) = try parse("--bogus check-config --help").command else {
            Issue.record("no help"); return
        }
        #expect(check.contains("--print-defaults"))
        #expect(try parse("keygen --version").command == .version)
        #expect(try parse("--version --nope").command == .version)
        for name in ["run", "peer-id", "healthcheck", "version"] {
            guard case .help(let text) = try parse("\(name) --help").command else { Issue.record("no help"); return }
            #expect(text.hasPrefix("Usage: waystone \(name) [FLAGS]"))
        }
    }

    @Test(arguments: [
        ("frobnicate", "unknown subcommand 'frobnicate' (see 'waystone --help')"),
        ("run --nope", "unknown flag '--nope' (see 'waystone --help')"),
        ("-x", "unknown flag '-x' (see 'waystone --help')"),
        ("run --config", "flag --config requires a value (see 'waystone --help')"),
        ("--data-dir --log-level info", "flag --data-dir requires a value (see 'waystone --help')"),
        ("--config=", "flag --config requires a non-empty value"),
        ("keygen --force=yes", "flag --force does not take a value"),
        ("run extra", "unexpected argument 'extra' (see 'waystone --help')"),
        ("run --force", "flag --force is not valid for 'run' (see 'waystone run --help')"),
        ("keygen --print-defaults", "flag --print-defaults is not valid for 'keygen' (see 'waystone keygen --help')"),
    ])
    func usageErrors(_ line: String, _ expected: String) {
        #expect(error(line) == expected)
    }

    @Test func exitCodes() {
        #expect(ExitCode.success.rawValue == 0)
        #expect(ExitCode.failure.rawValue == 1)
        #expect(ExitCode.usage.rawValue == 2)
        #expect(ExitCode.config == .usage)
        #expect(!WaystoneVersion.current.isEmpty)
    }

    @Test func configPathFallsBackToEnvironment() throws {
        #expect(try parse("").resolvedConfigPath(environment: ["WAYSTONE_CONFIG": "/e.json"]) == "/e.json")
        #expect(
            try parse("--config /f.json").resolvedConfigPath(environment: ["WAYSTONE_CONFIG": "/e.json"]) == "/f.json")
        #expect(try parse("").resolvedConfigPath(environment: ["WAYSTONE_CONFIG": ""]) == nil)
    }
}
