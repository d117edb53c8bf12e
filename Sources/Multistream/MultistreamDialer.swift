import Wire

/// The dialer side of multistream-select 1.0 (sans-IO).
///
/// ``start()`` returns the header and the first proposal in one write, without waiting for the listener's header
/// (js listeners only send theirs after reading ours). With a single proposal the caller may write application bytes
/// right behind them ("lazy", 0-RTT); with several it should not, since a `na` would make the listener read them as
/// proposals. Feed the listener's bytes to ``receive(_:)``: on `na` the next proposal is sent; on the echo the result
/// is ``MultistreamResult/negotiated(protocol:remaining:)`` with the bytes that followed the echo.
public struct MultistreamDialer: Sendable, MultistreamTokenHandler {
    private enum State: Sendable {
        case idle
        case awaitingAnswer(index: Int)
        case negotiated(String)
        case failed(MultistreamError)
    }

    public let config: MultistreamConfig
    public let proposals: [String]
    var reader: MultistreamTokenReader
    private var state = State.idle
    /// Whether the listener's header has arrived; a listener that answers before it is refused.
    private var sawHeader = false

    /// A dialer that proposes `proposals` in order, one after each `na`.
    public init(proposals: [String], config: MultistreamConfig = MultistreamConfig()) {
        self.config = config
        self.proposals = proposals
        self.reader = MultistreamTokenReader(maxMessageLength: config.maxMessageLength)
    }

    /// Returns the first write: `/multistream/1.0.0` and the first proposal. Fails with
    /// ``MultistreamError/invalidProposal`` when there is no proposal or one cannot be framed.
    public mutating func start() -> MultistreamOutput {
        guard case .idle = state else { return MultistreamOutput() }
        guard let first = proposals.first,
            proposals.allSatisfy({ MultistreamCodec.isSendable($0, maxMessageLength: config.maxMessageLength) })
        else {
            state = .failed(.invalidProposal)
            return MultistreamOutput(result: .failed(.invalidProposal))
        }
        var out: [UInt8] = []
        MultistreamCodec.append(MultistreamCodec.header, to: &out)
        MultistreamCodec.append(first, to: &out)
        state = .awaitingAnswer(index: 0)
        return MultistreamOutput(toSend: out)
    }

    /// Processes bytes received from the listener.
    public mutating func receive(_ bytes: some Collection<UInt8>) -> MultistreamOutput {
        switch state {
        case .idle: return MultistreamOutput(result: .failed(.notStarted))
        case .negotiated(let name):
            return MultistreamOutput(result: .negotiated(protocol: name, remaining: Array(bytes)))
        case .failed(let error): return MultistreamOutput(result: .failed(error))
        case .awaitingAnswer: break
        }
        return consume(bytes)
    }

    mutating func handle(_ token: String, into output: inout MultistreamOutput) {
        guard sawHeader else {
            if token == MultistreamCodec.header {
                sawHeader = true
            } else {
                output.result = fail(.unexpectedHeader)
            }
            return
        }
        guard case .awaitingAnswer(let index) = state, index < proposals.count else { return }
        if token == proposals[index] {
            state = .negotiated(token)
            output.result = .negotiated(protocol: token, remaining: reader.takeRemaining())
        } else if token == MultistreamCodec.notAvailable {
            let next = index + 1
            guard next < proposals.count else {
                output.result = fail(.noProtocolInCommon)
                return
            }
            MultistreamCodec.append(proposals[next], to: &output.toSend)
            state = .awaitingAnswer(index: next)
        } else {
            output.result = fail(.unexpectedResponse)
        }
    }

    mutating func fail(_ error: MultistreamError) -> MultistreamResult {
        state = .failed(error)
        _ = reader.takeRemaining()
        return .failed(error)
    }
}
