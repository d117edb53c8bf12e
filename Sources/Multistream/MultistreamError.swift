import Wire

/// Why a multistream-select negotiation failed. Every case ends the negotiation; the caller resets the stream or
/// closes the connection and counts the reason.
public enum MultistreamError: Error, Equatable, Sendable {
    /// A message's length prefix was not a valid minimal uvarint of at most 9 bytes.
    case invalidLengthPrefix
    /// A message declared more than `limit` bytes (newline included).
    case messageTooLong(limit: Int)
    /// A message did not end with `\n` (or was empty).
    case missingNewline
    /// The first message was not `/multistream/1.0.0`.
    case unexpectedHeader
    /// The listener answered `na` too often (listener: the dialer proposed more than `limit` times).
    case tooManyAttempts(limit: Int)
    /// The dialer's proposals were all refused with `na`.
    case noProtocolInCommon
    /// The listener answered a proposal with something other than its echo or `na`.
    case unexpectedResponse
    /// The dialer was given no proposals, or a proposal that cannot be sent (empty, contains `\n`, too long).
    case invalidProposal
    /// `receive` was called on a dialer before `start()`.
    case notStarted

    init(_ error: WireError, limit: Int) {
        switch error {
        case .lengthTooLarge: self = .messageTooLong(limit: limit)
        default: self = .invalidLengthPrefix
        }
    }
}
