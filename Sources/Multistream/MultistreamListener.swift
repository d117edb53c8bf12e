import Wire

/// The listener side of multistream-select 1.0 (sans-IO).
///
/// Feed it every byte read from the stream with ``receive(_:)`` and write ``MultistreamOutput/toSend`` to the peer.
/// It answers the dialer's `/multistream/1.0.0` with its own header (like js-libp2p; the dialer must not wait for it),
/// echoes the first supported proposal, answers `na` to unsupported ones and `ls` with its advertised list. Bytes behind
/// the accepted proposal come back in ``MultistreamResult/negotiated(protocol:remaining:)``. After a result, further
/// calls return the same result (for `negotiated`, with the new bytes as `remaining`).
public struct MultistreamListener: Sendable, MultistreamTokenHandler {
    private enum State: Sendable {
        case awaitingHeader
        case awaitingProposal(attempts: Int)
        case negotiated(String)
        case failed(MultistreamError)
    }

    public let config: MultistreamConfig
    private let accepts: @Sendable (String) -> Bool
    private let advertised: [String]
    var reader: MultistreamTokenReader
    private var state = State.awaitingHeader

    /// A listener that accepts exactly `supported` and lists them (sorted) in answer to `ls`.
    public init(supported: Set<String>, config: MultistreamConfig = MultistreamConfig()) {
        self.init(advertised: supported.sorted(), config: config) { supported.contains($0) }
    }

    /// A listener that accepts the protocols `accepts` approves and lists `advertised` in answer to `ls`.
    public init(
        advertised: [String] = [], config: MultistreamConfig = MultistreamConfig(),
        accepts: @escaping @Sendable (String) -> Bool
    ) {
        self.config = config
        self.accepts = accepts
        self.advertised = advertised
        self.reader = MultistreamTokenReader(maxMessageLength: config.maxMessageLength)
    }

    /// Processes bytes received from the dialer.
    public mutating func receive(_ bytes: some Collection<UInt8>) -> MultistreamOutput {
        switch state {
        case .negotiated(let name):
            return MultistreamOutput(result: .negotiated(protocol: name, remaining: Array(bytes)))
        case .failed(let error): return MultistreamOutput(result: .failed(error))
        case .awaitingHeader, .awaitingProposal: break
        }
        return consume(bytes)
    }

    mutating func handle(_ token: String, into output: inout MultistreamOutput) {
        switch state {
        case .awaitingHeader:
            guard token == MultistreamCodec.header else {
                output.result = fail(.unexpectedHeader)
                return
            }
            MultistreamCodec.append(MultistreamCodec.header, to: &output.toSend)
            state = .awaitingProposal(attempts: 0)
        case .awaitingProposal(let attempts):
            if token != MultistreamCodec.list && token != MultistreamCodec.notAvailable && accepts(token) {
                MultistreamCodec.append(token, to: &output.toSend)
                state = .negotiated(token)
                output.result = .negotiated(protocol: token, remaining: reader.takeRemaining())
                return
            }
            guard attempts < config.maxAttempts else {
                output.result = fail(.tooManyAttempts(limit: config.maxAttempts))
                return
            }
            state = .awaitingProposal(attempts: attempts + 1)
            if token == MultistreamCodec.list {
                output.toSend += MultistreamCodec.encodeList(advertised, maxMessageLength: config.maxMessageLength)
            } else {
                MultistreamCodec.append(MultistreamCodec.notAvailable, to: &output.toSend)
            }
        case .negotiated, .failed:
            return
        }
    }

    mutating func fail(_ error: MultistreamError) -> MultistreamResult {
        state = .failed(error)
        _ = reader.takeRemaining()
        return .failed(error)
    }
}
