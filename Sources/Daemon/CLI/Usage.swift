/// All `--help` texts, in one place.
public enum Usage {
    /// Help for `subcommand` (its spelling, e.g. `check-config`), or the global help for `nil`
    /// or an unknown name.
    public static func text(for subcommand: String?) -> String {
        switch subcommand {
        case "run": return command("run", "Run the daemon (the default when no subcommand is given).", flags: [])
        case "keygen":
            return command(
                "keygen", "Create the Ed25519 identity key in the data directory (mode 0600).",
                flags: [("--force", "Replace an existing identity key (the peer ID changes).")])
        case "peer-id":
            return command("peer-id", "Print the peer ID of the identity key in the data directory.", flags: [])
        case "check-config":
            return command(
                "check-config", "Validate the configuration and print the effective config as JSON.",
                flags: [("--print-defaults", "Print every key at its default (an example config file) instead.")])
        case "healthcheck":
            return command(
                "healthcheck", "Probe the running daemon's metrics endpoint. Exits 0 if healthy, 1 otherwise.",
                flags: [], exitCodes: "Exit codes: 0 healthy, 1 unhealthy or unreachable.\n")
        case "version": return command("version", "Print the version.", flags: [])
        default: return global
        }
    }

    static let commonFlags: [(String, String)] = [
        ("--config FILE", "JSON config file (default: $WAYSTONE_CONFIG, else built-in defaults)"),
        ("--data-dir DIR", "Data directory (config key dataDir)"),
        ("--log-level LEVEL", "error|warn|info|debug (config key log.level)"),
        ("--log-format FORMAT", "logfmt|json (config key log.format)"),
        ("-h, --help", "Show help"),
        ("--version", "Print the version"),
    ]

    static let exitCodes = """
        Exit codes:
          0  clean stop / success
          1  runtime failure
          2  usage or configuration error (bad flags or config, unusable identity, unbindable listener)

        """ + "\n"

    static var environment: String {
        var out = """
            Environment:
              Every config key can be set with WAYSTONE_ + its key path, dots as _ and camelCase
              as upper-case words (metrics.listen -> WAYSTONE_METRICS_LISTEN). Lists are
              comma-separated; booleans are true/false/1/0/yes/no. Unknown WAYSTONE_* variables
              are errors. WAYSTONE_CONFIG names the config file. Precedence: flags > environment
              > config file > defaults.

            """
        for key in ConfigSchema.keys {
            out += "  " + pad(key.environmentName, 42) + key.path + "\n"
        }
        return out + "\n"
    }

    static var global: String {
        var out = """
            waystone \(WaystoneVersion.current): libp2p bootstrap, relay, STUN and rendezvous server

            Usage: waystone [SUBCOMMAND] [FLAGS]

            Subcommands:
              run              Run the daemon (default)
              keygen [--force] Create the identity key
              peer-id          Print the peer ID
              check-config     Validate and print the effective config (--print-defaults: example config)
              healthcheck      Probe the running daemon (exit 0 healthy, 1 not)
              version          Print the version

            """ + "\n"
        out += flagsSection("Flags (all subcommands):", commonFlags)
        out += environment
        out += exitCodes
        out += "Run 'waystone SUBCOMMAND --help' for details.\n"
        return out
    }

    static func command(_ name: String, _ summary: String, flags: [(String, String)], exitCodes codes: String? = nil)
        -> String
    {
        var out = "Usage: waystone \(name) [FLAGS]\n\n\(summary)\n\n"
        if !flags.isEmpty { out += flagsSection("Flags:", flags) }
        out += flagsSection("Common flags:", commonFlags)
        out += "Environment: WAYSTONE_<KEY_PATH> overrides config keys (see 'waystone --help').\n\n"
        out += codes ?? exitCodes
        return out
    }

    static func flagsSection(_ title: String, _ flags: [(String, String)]) -> String {
        var out = title + "\n"
        for (flag, doc) in flags { out += "  " + pad(flag, 22) + doc + "\n" }
        return out + "\n"
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}
