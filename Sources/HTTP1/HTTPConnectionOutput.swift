/// What the caller must do after one input to ``HTTPConnectionMachine``.
public struct HTTPConnectionOutput: Sendable, Equatable {
    /// How the connection ends, if it does.
    public enum Close: Sendable, Equatable {
        /// Keep the connection open.
        case no
        /// Write all queued bytes (including ``bytes``), then close.
        case afterWrite
        /// Close now, discarding anything still queued.
        case now
    }

    /// Why the machine ended or rejected the connection, for counters and logs.
    public enum Event: Sendable, Equatable {
        /// A malformed or refused request head; answered with ``HTTPParseError/status``.
        case rejected(HTTPParseError)
        /// The head did not arrive in time (answered 408) or the idle connection expired.
        case timedOut
        /// More unparsed bytes buffered than allowed.
        case bufferLimitExceeded
    }

    /// Bytes to append to the connection's outbound queue, in order.
    public var bytes: [UInt8] = []
    /// Close instruction.
    public var close: Close = .no
    /// Requests answered in this call (handler invocations).
    public var responses: Int = 0
    /// Set when the connection was ended by a rejection, timeout or limit.
    public var event: Event?
    /// Complete pipelined requests are still buffered: stop reading, flush ``bytes``, then call
    /// ``HTTPConnectionMachine/resume(now:)``.
    public var morePending: Bool = false
    /// When to call ``HTTPConnectionMachine/timerFired(now:)``; `nil` for none.
    public var nextDeadline: UInt64?

    /// Creates an output.
    public init() {}
}
