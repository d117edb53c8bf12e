/// Severity of a log event. A logger at level `L` emits events whose level is `<= L`
/// (`error` is always the most important, `debug` the most verbose).
public enum LogLevel: UInt8, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case error = 0
    case warn = 1
    case info = 2
    case debug = 3

    /// Parses the configuration spelling (`error`, `warn`, `info`, `debug`).
    public init?(name: String) {
        switch name {
        case "error": self = .error
        case "warn": self = .warn
        case "info": self = .info
        case "debug": self = .debug
        default: return nil
        }
    }

    /// The configuration and log-line spelling.
    public var name: String {
        switch self {
        case .error: return "error"
        case .warn: return "warn"
        case .info: return "info"
        case .debug: return "debug"
        }
    }

    public var description: String { name }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// How log events are rendered: `logfmt` key=value lines or one JSON object per line.
public enum LogFormat: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case logfmt = 0
    case json = 1

    /// Parses the configuration spelling (`logfmt`, `json`).
    public init?(name: String) {
        switch name {
        case "logfmt": self = .logfmt
        case "json": self = .json
        default: return nil
        }
    }

    public var name: String { self == .logfmt ? "logfmt" : "json" }
    public var description: String { name }
}
