/// Parses `waystone [SUBCOMMAND] [FLAGS]`. Flags may come before or after the subcommand and
/// take `--flag value` or `--flag=value`; a repeated flag's last value wins. `--help`/`-h` and
/// `--version` anywhere take precedence over everything else, including errors.
public enum CommandLineParser {
    /// The subcommands and their spelling.
    enum Subcommand: String, CaseIterable, Sendable {
        case run
        case keygen
        case peerID = "peer-id"
        case checkConfig = "check-config"
        case healthcheck
        case version
    }

    /// Flags every subcommand accepts that take a value.
    static let valueFlags: Set<String> = ["--config", "--data-dir", "--log-level", "--log-format"]

    /// Parses the arguments after the program name (`Array(CommandLine.arguments.dropFirst())`).
    public static func parse(_ args: [String]) throws(CLIError) -> Invocation {
        var subcommand: Subcommand?
        var values: [String: String] = [:]
        var force = false
        var printDefaults = false
        var wantsHelp = false
        var wantsVersion = false
        var firstError: CLIError?
        func record(_ error: CLIError.Kind) { if firstError == nil { firstError = CLIError(error) } }

        var i = 0
        while i < args.count {
            let arg = args[i]
            i += 1
            guard arg.hasPrefix("-"), arg != "-" else {
                if subcommand != nil {
                    record(.unexpectedArgument(arg))
                } else if let s = Subcommand(rawValue: arg) {
                    subcommand = s
                } else {
                    record(.unknownSubcommand(arg))
                }
                continue
            }
            let name: String
            let inline: String?
            if let eq = arg.firstIndex(of: "="), arg.hasPrefix("--") {
                name = String(arg[..<eq])
                inline = String(arg[arg.index(after: eq)...])
            } else {
                name = arg
                inline = nil
            }
            switch name {
            case _ where valueFlags.contains(name):
                let value: String
                if let inline {
                    value = inline
                } else if i < args.count, !(args[i].hasPrefix("-") && args[i] != "-") {
                    value = args[i]
                    i += 1
                } else {
                    record(.missingValue(flag: name))
                    continue
                }
                if value.isEmpty { record(.emptyValue(flag: name)); continue }
                values[name] = value
            case "--help", "-h", "--version", "--force", "--print-defaults":
                if inline != nil { record(.unexpectedValue(flag: name)); continue }
                switch name {
                case "--help", "-h": wantsHelp = true
                case "--version": wantsVersion = true
                case "--force": force = true
                default: printDefaults = true
                }
            default:
                record(.unknownFlag(name))
            }
        }

        if wantsHelp { return Invocation(command: .help(text: Usage.text(for: subcommand?.rawValue))) }
        if wantsVersion { return Invocation(command: .version) }
        if let firstError { throw firstError }

        let resolved = subcommand ?? .run
        if force && resolved != .keygen {
            throw CLIError(.flagNotApplicable(flag: "--force", subcommand: resolved.rawValue))
        }
        if printDefaults && resolved != .checkConfig {
            throw CLIError(.flagNotApplicable(flag: "--print-defaults", subcommand: resolved.rawValue))
        }
        let command: Command
        switch resolved {
        case .run: command = .run
        case .keygen: command = .keygen(force: force)
        case .peerID: command = .peerID
        case .checkConfig: command = .checkConfig(printDefaults: printDefaults)
        case .healthcheck: command = .healthcheck
        case .version: command = .version
        }
        return Invocation(
            command: command, configPath: values["--config"],
            overrides: ConfigOverrides(
                dataDir: values["--data-dir"], logLevel: values["--log-level"], logFormat: values["--log-format"]))
    }
}
