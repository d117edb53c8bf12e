import Wire

/// The reading half shared by ``MultistreamListener`` and ``MultistreamDialer``: length-prefixed tokens out of the
/// byte stream, bounded by the configured message length; bytes behind the negotiation stay buffered for
/// ``takeRemaining()``.
struct MultistreamTokenReader: Sendable {
    private var framer: LengthPrefixedFramer
    private let maxMessageLength: Int

    init(maxMessageLength: Int) {
        self.maxMessageLength = maxMessageLength
        framer = LengthPrefixedFramer(maxFrameSize: maxMessageLength)
    }

    mutating func append(_ bytes: some Collection<UInt8>) {
        framer.append(bytes)
    }

    /// The next complete token, nil until one has arrived.
    mutating func next() throws(MultistreamError) -> String? {
        let payload: [UInt8]?
        do throws(WireError) {
            payload = try framer.nextFrame()
        } catch {
            throw MultistreamError(error, limit: maxMessageLength)
        }
        guard let payload else { return nil }
        return try MultistreamCodec.token(ofPayload: payload)
    }

    /// Everything buffered and not yet read as a token (handed on once negotiated, dropped on failure).
    mutating func takeRemaining() -> [UInt8] {
        framer.takeRemaining()
    }
}

/// One side of a negotiation, fed tokens by ``MultistreamTokenReader``.
protocol MultistreamTokenHandler {
    var reader: MultistreamTokenReader { get set }
    mutating func handle(_ token: String, into output: inout MultistreamOutput)
    /// Records the failure (the side's state) and returns its result.
    mutating func fail(_ error: MultistreamError) -> MultistreamResult
}

extension MultistreamTokenHandler {
    /// Appends `bytes` and handles every complete token until a result is reached.
    mutating func consume(_ bytes: some Collection<UInt8>) -> MultistreamOutput {
        reader.append(bytes)
        var output = MultistreamOutput()
        while output.result == nil {
            let token: String
            do throws(MultistreamError) {
                guard let next = try reader.next() else { break }
                token = next
            } catch {
                output.result = fail(error)
                break
            }
            handle(token, into: &output)
        }
        return output
    }
}
