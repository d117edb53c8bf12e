/// Values given as command-line flags; they override the environment and the file.
public struct ConfigOverrides: Sendable, Equatable {
    /// `--data-dir`
    public var dataDir: String?
    /// `--log-level` (validated by the loader, not the CLI parser)
    public var logLevel: String?
    /// `--log-format` (validated by the loader, not the CLI parser)
    public var logFormat: String?

    public init(dataDir: String? = nil, logLevel: String? = nil, logFormat: String? = nil) {
        self.dataDir = dataDir
        self.logLevel = logLevel
        self.logFormat = logFormat
    }
}

/// Builds a `WaystoneConfig` from defaults, an optional JSON file, `WAYSTONE_*` environment
/// variables and flags (precedence: flags > env > file > defaults). Stateless, so the daemon can
/// keep one and call `load()` again on SIGHUP.
public struct ConfigLoader: Sendable {
    /// Largest config file accepted.
    public static let maxFileBytes = 1 << 20
    /// Prefix of the environment variables that the loader owns.
    public static let environmentPrefix = "WAYSTONE_"

    public var filePath: String?
    public var environment: [String: String]
    public var overrides: ConfigOverrides

    public init(filePath: String?, environment: [String: String], overrides: ConfigOverrides = ConfigOverrides()) {
        self.filePath = filePath
        self.environment = environment
        self.overrides = overrides
    }

    /// Re-reads the file and re-applies environment and flags.
    public func load() throws(ConfigError) -> WaystoneConfig {
        try Self.load(filePath: filePath, environment: environment, overrides: overrides)
    }

    /// Loads and validates the configuration. Every error names its source and key path.
    public static func load(filePath: String?, environment: [String: String], overrides: ConfigOverrides)
        throws(ConfigError) -> WaystoneConfig
    {
        var config = ConfigSchema.defaultConfig
        if let filePath {
            let document = try readDocument(filePath)
            try applyFile(document, path: filePath, to: &config)
        }
        try applyEnvironment(environment, to: &config)
        try applyFlags(overrides, to: &config)
        return config
    }

    /// Reads and parses the file; the top level must be an object.
    static func readDocument(_ path: String) throws(ConfigError) -> JSONValue {
        let source = ConfigError.Source.file(path)
        let bytes: [UInt8]
        do {
            bytes = try AtomicFile.read(path, maxBytes: maxFileBytes)
        } catch {
            throw ConfigError(source: source, kind: .unreadable, keyPath: nil, message: error.reason)
        }
        let value: JSONValue
        do {
            value = try JSONParser(maxDepth: 32, maxBytes: maxFileBytes).parse(bytes)
        } catch {
            throw ConfigError(
                source: source, kind: .invalidJSON, keyPath: nil, message: "invalid JSON: \(error.description)")
        }
        guard case .object = value else {
            throw ConfigError(
                source: source, kind: .notAnObject, keyPath: nil,
                message: "top level must be a JSON object, got \(value.typeName)")
        }
        return value
    }

    /// Walks the file's object against the schema, rejecting unknown keys and bad values.
    static func applyFile(_ document: JSONValue, path: String, to config: inout WaystoneConfig) throws(ConfigError) {
        let source = ConfigError.Source.file(path)
        func walk(_ members: [(key: String, value: JSONValue)], prefix: String) throws(ConfigError) {
            for (name, value) in members {
                let keyPath = prefix.isEmpty ? name : prefix + "." + name
                if let key = ConfigSchema.key(forPath: keyPath) {
                    try apply(key, value, source: source, to: &config)
                } else if ConfigSchema.sectionPaths.contains(keyPath) {
                    guard case .object(let children) = value else {
                        throw ConfigError(
                            source: source, kind: .invalidValue, keyPath: keyPath,
                            message: "expected object, got \(value.compact())")
                    }
                    try walk(children, prefix: keyPath)
                } else {
                    throw ConfigError(source: source, kind: .unknownKey, keyPath: keyPath, message: "unknown key")
                }
            }
        }
        guard case .object(let members) = document else { return }
        try walk(members, prefix: "")
    }

    /// Applies `WAYSTONE_*` variables in sorted name order (so the first error is deterministic).
    static func applyEnvironment(_ environment: [String: String], to config: inout WaystoneConfig) throws(ConfigError) {
        for name in environment.keys.sorted() where name.hasPrefix(environmentPrefix) {
            guard !ConfigSchema.reservedEnvironmentNames.contains(name) else { continue }
            let source = ConfigError.Source.environment(name)
            guard let key = ConfigSchema.key(forEnvironmentName: name), let text = environment[name] else {
                throw ConfigError(
                    source: source, kind: .unknownKey, keyPath: nil,
                    message: "unknown WAYSTONE_* variable (no such config key)")
            }
            let value: JSONValue
            do {
                value = try key.parseEnvironment(text)
            } catch {
                throw ConfigError(
                    source: source, kind: .invalidValue, keyPath: key.path + error.subpath, message: error.message)
            }
            try apply(key, value, source: source, to: &config)
        }
    }

    /// Applies `--data-dir`, `--log-level` and `--log-format`.
    static func applyFlags(_ overrides: ConfigOverrides, to config: inout WaystoneConfig) throws(ConfigError) {
        let flags: [(flag: String, path: String, value: String?)] = [
            ("--data-dir", "dataDir", overrides.dataDir),
            ("--log-level", "log.level", overrides.logLevel),
            ("--log-format", "log.format", overrides.logFormat),
        ]
        for (flag, path, value) in flags {
            guard let value, let key = ConfigSchema.key(forPath: path) else { continue }
            try apply(key, .string(value), source: .flag(flag), to: &config)
        }
    }

    static func apply(_ key: ConfigKey, _ value: JSONValue, source: ConfigError.Source, to config: inout WaystoneConfig)
        throws(ConfigError)
    {
        do {
            try key.apply(value, &config)
        } catch {
            throw ConfigError(
                source: source, kind: .invalidValue, keyPath: key.path + error.subpath, message: error.message)
        }
    }
}
