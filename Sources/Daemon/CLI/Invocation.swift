/// What the user asked for.
public enum Command: Sendable, Equatable {
    /// Run the daemon (the default when no subcommand is given).
    case run
    /// Create the identity key; `force` replaces an existing one.
    case keygen(force: Bool)
    /// Print the peer ID of the identity key.
    case peerID
    /// Validate the config and print the effective config JSON, or with `printDefaults`
    /// print `ConfigSchema.exampleJSON()`.
    case checkConfig(printDefaults: Bool)
    /// Probe the running daemon's metrics endpoint; exits 0 or 1.
    case healthcheck
    /// Print `WaystoneVersion.current`.
    case version
    /// Print `text` to stdout and exit 0.
    case help(text: String)
}

/// A parsed command line.
public struct Invocation: Sendable, Equatable {
    public var command: Command
    /// `--config FILE`, if given.
    public var configPath: String?
    /// `--data-dir`, `--log-level`, `--log-format`.
    public var overrides: ConfigOverrides

    public init(command: Command, configPath: String? = nil, overrides: ConfigOverrides = ConfigOverrides()) {
        self.command = command
        self.configPath = configPath
        self.overrides = overrides
    }

    /// `configPath`, else a non-empty `WAYSTONE_CONFIG` from `environment`, else `nil`.
    public func resolvedConfigPath(environment: [String: String]) -> String? {
        if let configPath { return configPath }
        if let path = environment["WAYSTONE_CONFIG"], !path.isEmpty { return path }
        return nil
    }
}
