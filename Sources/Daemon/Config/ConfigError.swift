/// A configuration problem. `description` is the single line the daemon prints on stderr
/// before exiting with `ExitCode.usage` (2); it names where the bad value came from and the key path.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where a configuration value came from.
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        /// A JSON config file at this path.
        case file(String)
        /// An environment variable such as `WAYSTONE_METRICS_LISTEN`.
        case environment(String)
        /// A command-line flag such as `--log-level`.
        case flag(String)

        public var description: String {
            switch self {
            case .file(let path): return "config file \(path)"
            case .environment(let name): return "environment variable \(name)"
            case .flag(let name): return "flag \(name)"
            }
        }
    }

    /// What went wrong, for callers and tests that branch on it.
    public enum Kind: Sendable, Equatable {
        /// The file could not be opened or read.
        case unreadable
        /// The file is not valid JSON (syntax, duplicate key, too deep or too large).
        case invalidJSON
        /// The top-level JSON value is not an object.
        case notAnObject
        /// A key (or `WAYSTONE_*` variable) the schema does not know.
        case unknownKey
        /// A value of the wrong type or outside its allowed range or format.
        case invalidValue
    }

    public let source: Source
    public let kind: Kind
    /// Dotted key path (`metrics.listen`, `libp2p.listen[1]`), or `nil` for whole-file problems.
    public let keyPath: String?
    /// Human text without the source and key path, e.g. `expected "host:port" string`.
    public let message: String

    public init(source: Source, kind: Kind, keyPath: String?, message: String) {
        self.source = source
        self.kind = kind
        self.keyPath = keyPath
        self.message = message
    }

    /// One line, e.g. `config file /etc/waystone.json: metrics.lisen: unknown key`.
    public var description: String {
        if let keyPath { return "\(source): \(keyPath): \(message)" }
        return "\(source): \(message)"
    }
}

/// A value-level validation failure before the source is known.
/// `subpath` is appended to the key path (e.g. `[2]` for a list element).
struct ConfigValueError: Error, Sendable {
    var message: String
    var subpath: String = ""
}
