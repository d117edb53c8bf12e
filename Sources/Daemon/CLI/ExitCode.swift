/// Process exit codes of the `waystone` binary.
public enum ExitCode: Int32, Sendable {
    /// Clean stop (or a successful one-shot command; `healthcheck`: the daemon is healthy).
    case success = 0
    /// Anything else: runtime failure (`healthcheck`: unhealthy or unreachable).
    case failure = 1
    /// Usage or configuration error: bad flags or config, unusable identity, unbindable listener.
    /// `healthcheck` never uses it; it reports only 0 or 1.
    case usage = 2

    /// Alias of `usage` for configuration problems.
    public static let config = ExitCode.usage
}
