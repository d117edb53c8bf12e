/// Limits and timeouts for one ``HTTPConnectionMachine``.
public struct HTTPConnectionConfig: Sendable, Equatable {
    /// Time allowed for a request head to arrive in full, measured from connection start (for the
    /// first request) or from the first byte of a later request. Slowloris defence. Default 10 s.
    public var readTimeoutNanoseconds: UInt64
    /// Time an idle keep-alive connection is kept between requests. Default 30 s.
    public var idleTimeoutNanoseconds: UInt64
    /// Time allowed, after a final response, for the caller to flush it before the machine asks for
    /// an immediate close. Default 10 s.
    public var lingerTimeoutNanoseconds: UInt64
    /// Parser limits: head bytes (default 8192) and field lines (default 100).
    public var parser: HTTPParserConfig
    /// Requests answered on one connection; the last gets `Connection: close`. Default 1000.
    public var maxRequestsPerConnection: Int
    /// Pipelined requests answered per input call; the rest wait for
    /// ``HTTPConnectionMachine/resume(now:)``. Default 16 (bounds output per call).
    public var maxResponsesPerTurn: Int
    /// Most unparsed bytes buffered (pipelined requests waiting for ``HTTPConnectionMachine/resume(now:)``);
    /// beyond it the connection is closed. Default 65536.
    public var maxBufferedBytes: Int

    /// Creates a configuration; counts below 1 are raised to 1.
    public init(
        readTimeoutNanoseconds: UInt64 = 10_000_000_000,
        idleTimeoutNanoseconds: UInt64 = 30_000_000_000,
        lingerTimeoutNanoseconds: UInt64 = 10_000_000_000,
        parser: HTTPParserConfig = HTTPParserConfig(),
        maxRequestsPerConnection: Int = 1000,
        maxResponsesPerTurn: Int = 16,
        maxBufferedBytes: Int = 65_536
    ) {
        self.readTimeoutNanoseconds = readTimeoutNanoseconds
        self.idleTimeoutNanoseconds = idleTimeoutNanoseconds
        self.lingerTimeoutNanoseconds = lingerTimeoutNanoseconds
        self.parser = parser
        self.maxRequestsPerConnection = max(1, maxRequestsPerConnection)
        self.maxResponsesPerTurn = max(1, maxResponsesPerTurn)
        self.maxBufferedBytes = max(parser.maxHeadBytes, maxBufferedBytes)
    }
}
