/// The sans-IO state machine of one HTTP/1.1 server connection for a small GET/HEAD endpoint.
///
/// It holds no socket and reads no clock: the caller feeds it bytes, timer expiries and EOF, each
/// with `now` (nanoseconds on any monotonic clock), and acts on the returned
/// ``HTTPConnectionOutput``: queue ``HTTPConnectionOutput/bytes``, obey
/// ``HTTPConnectionOutput/close``, arm a timer for ``HTTPConnectionOutput/nextDeadline``.
///
/// Behaviour:
/// - Requests are answered in order through the `handler` given at init (pipelining included),
///   at most ``HTTPConnectionConfig/maxResponsesPerTurn`` per call; when more are buffered,
///   ``HTTPConnectionOutput/morePending`` asks the caller to flush and call ``resume(now:)``.
/// - A malformed head gets its ``HTTPParseError/status`` (400, 413, 431 or 505) with
///   `Connection: close`, then close after write. Bytes after it are ignored.
/// - A response to a request that is not keep-alive (HTTP/1.0 without `keep-alive`, or
///   `Connection: close`), or the ``HTTPConnectionConfig/maxRequestsPerConnection``-th one, carries
///   `Connection: close` and ends the connection after write; later pipelined bytes are ignored.
/// - Deadlines: a head must arrive within ``HTTPConnectionConfig/readTimeoutNanoseconds`` of
///   connection start or of its first byte; between requests the idle limit
///   ``HTTPConnectionConfig/idleTimeoutNanoseconds`` applies. An expired partial head gets 408 and
///   close-after-write; an expired idle connection is closed at once; a final response not flushed
///   within ``HTTPConnectionConfig/lingerTimeoutNanoseconds`` turns into an immediate close.
/// - EOF from the peer discards any partial head and asks to close after queued bytes are written.
public struct HTTPConnectionMachine {
    /// Builds the response to one well-formed request (routing is the caller's job; see
    /// ``HTTPEndpointRoutes``). For `HEAD` the machine sends only the headers.
    public typealias Handler = (HTTPRequestHead) -> HTTPResponse

    private enum State {
        /// No request bytes buffered; waiting for the next request.
        case idle(deadline: UInt64)
        /// Part of a request head (or unanswered pipelined requests) buffered.
        case readingHead(deadline: UInt64)
        /// The final response is queued; waiting for the caller to flush and close.
        case closing(deadline: UInt64)
        case closed
    }

    /// The configuration in force.
    public let config: HTTPConnectionConfig
    private let handler: Handler
    private var parser: HTTPRequestParser
    private var state: State
    /// Requests answered so far on this connection.
    public private(set) var requestsServed = 0

    /// Starts a connection accepted at `now`; the first head must arrive within the read timeout.
    public init(config: HTTPConnectionConfig = HTTPConnectionConfig(), now: UInt64, handler: @escaping Handler) {
        self.config = config
        self.handler = handler
        self.parser = HTTPRequestParser(config: config.parser)
        self.state = .idle(deadline: Self.add(now, config.readTimeoutNanoseconds))
    }

    /// When ``timerFired(now:)`` is next due, or `nil` once closed.
    public var nextDeadline: UInt64? {
        switch state {
        case .idle(let deadline), .readingHead(let deadline), .closing(let deadline): deadline
        case .closed: nil
        }
    }

    /// Whether the machine has finished (closing or closed): further input is ignored.
    public var isFinished: Bool {
        switch state {
        case .idle, .readingHead: false
        case .closing, .closed: true
        }
    }

    /// Bytes arrived from the peer.
    public mutating func receive(_ bytes: some Collection<UInt8>, now: UInt64) -> HTTPConnectionOutput {
        if let finished = finishedOutput() { return finished }
        if !bytes.isEmpty {
            parser.append(bytes)
            if case .idle = state {
                state = .readingHead(deadline: Self.add(now, config.readTimeoutNanoseconds))
            }
        }
        return process(now: now)
    }

    /// The caller flushed the previous output after ``HTTPConnectionOutput/morePending``: answer
    /// more buffered pipelined requests.
    public mutating func resume(now: UInt64) -> HTTPConnectionOutput {
        if let finished = finishedOutput() { return finished }
        return process(now: now)
    }

    /// The timer armed for ``nextDeadline`` fired (early or spurious calls are harmless).
    public mutating func timerFired(now: UInt64) -> HTTPConnectionOutput {
        var out = HTTPConnectionOutput()
        switch state {
        case .closed:
            out.close = .now
        case .idle(let deadline), .closing(let deadline):
            guard now >= deadline else {
                out.nextDeadline = deadline
                out.close = isFinished ? .afterWrite : .no
                return out
            }
            // An idle keep-alive connection that was answered is closed normally; one that never sent a request
            // timed out.
            if case .idle = state, requestsServed == 0 { out.event = .timedOut }
            state = .closed
            out.close = .now
        case .readingHead(let deadline):
            guard now >= deadline else {
                out.nextDeadline = deadline
                return out
            }
            out.event = .timedOut
            if parser.bufferedByteCount > 0 {
                out.bytes = HTTPResponse.text(.requestTimeout, "request timeout\n").render(
                    forHEAD: false, keepAlive: false)
                state = .closing(deadline: Self.add(now, config.lingerTimeoutNanoseconds))
                out.close = .afterWrite
                out.nextDeadline = nextDeadline
            } else {
                state = .closed
                out.close = .now
            }
        }
        return out
    }

    /// The peer sent EOF. Anything already answered is still flushed; a partial head is dropped.
    public mutating func peerClosed() -> HTTPConnectionOutput {
        var out = HTTPConnectionOutput()
        out.close = .afterWrite
        state = .closed
        return out
    }

    // MARK: - Private

    private func finishedOutput() -> HTTPConnectionOutput? {
        var out = HTTPConnectionOutput()
        switch state {
        case .idle, .readingHead:
            return nil
        case .closing(let deadline):
            out.close = .afterWrite
            out.nextDeadline = deadline
        case .closed:
            out.close = .now
        }
        return out
    }

    private mutating func process(now: UInt64) -> HTTPConnectionOutput {
        var out = HTTPConnectionOutput()
        while out.responses < config.maxResponsesPerTurn {
            let next: HTTPRequestHead?
            do {
                next = try parser.next()
            } catch {
                out.bytes += HTTPResponse.text(error.status, error.status.reason + "\n")
                    .render(forHEAD: false, keepAlive: false)
                out.event = .rejected(error)
                return finish(out, now: now)
            }
            guard let head = next else { break }
            requestsServed += 1
            out.responses += 1
            let keepAlive = head.keepAlive && requestsServed < config.maxRequestsPerConnection
            out.bytes += handler(head).render(
                forHEAD: head.method == "HEAD", keepAlive: keepAlive,
                announceKeepAlive: keepAlive && head.version == .http1_0)
            if !keepAlive { return finish(out, now: now) }
        }
        let buffered = parser.bufferedByteCount
        if buffered > config.maxBufferedBytes {
            state = .closed
            out.close = .now
            out.event = .bufferLimitExceeded
            return out
        }
        out.morePending = out.responses == config.maxResponsesPerTurn && buffered > 0
        if out.responses > 0 {
            state =
                buffered > 0
                ? .readingHead(deadline: Self.add(now, config.readTimeoutNanoseconds))
                : .idle(deadline: Self.add(now, config.idleTimeoutNanoseconds))
        }
        out.nextDeadline = nextDeadline
        return out
    }

    /// The last response is in `out`: close after it is written.
    private mutating func finish(_ out: HTTPConnectionOutput, now: UInt64) -> HTTPConnectionOutput {
        var out = out
        state = .closing(deadline: Self.add(now, config.lingerTimeoutNanoseconds))
        out.close = .afterWrite
        out.nextDeadline = nextDeadline
        return out
    }

    private static func add(_ now: UInt64, _ interval: UInt64) -> UInt64 {
        let (sum, overflow) = now.addingReportingOverflow(interval)
        return overflow ? .max : sum
    }
}
