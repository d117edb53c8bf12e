/// A command-line usage error; `description` is one line for stderr, after which the
/// caller exits with `ExitCode.usage` (2).
public struct CLIError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case unknownSubcommand(String)
        case unknownFlag(String)
        case missingValue(flag: String)
        case emptyValue(flag: String)
        case unexpectedValue(flag: String)
        case unexpectedArgument(String)
        case flagNotApplicable(flag: String, subcommand: String)
    }

    public let kind: Kind

    public init(_ kind: Kind) {
        self.kind = kind
    }

    public var description: String {
        let hint = "(see 'waystone --help')"
        switch kind {
        case .unknownSubcommand(let s): return "unknown subcommand '\(s)' \(hint)"
        case .unknownFlag(let f): return "unknown flag '\(f)' \(hint)"
        case .missingValue(let f): return "flag \(f) requires a value \(hint)"
        case .emptyValue(let f): return "flag \(f) requires a non-empty value"
        case .unexpectedValue(let f): return "flag \(f) does not take a value"
        case .unexpectedArgument(let a): return "unexpected argument '\(a)' \(hint)"
        case .flagNotApplicable(let f, let sub):
            return "flag \(f) is not valid for '\(sub)' (see 'waystone \(sub) --help')"
        }
    }
}
