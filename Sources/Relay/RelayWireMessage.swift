import Wire

/// A hop or stop message: its codec and its framing on the stream (`uvarint(len) || message`).
public protocol RelayWireMessage: Equatable, Sendable {
    /// Decodes one message (without its length prefix). Unknown fields are skipped; input over
    /// ``RelayMessage/maxSize`` and malformed input are errors, never traps.
    init(bytes: [UInt8]) throws(RelayError)
    /// The encoding (without length prefix), fields in number order.
    var bytes: [UInt8] { get }
}

extension RelayWireMessage {
    /// The encoding with its uvarint length prefix, as written on the stream. Keeping it within
    /// ``RelayMessage/maxSize`` (the number of addresses) is the sender's job; peers refuse larger messages.
    public var framedBytes: [UInt8] { LengthPrefixedFramer.frame(bytes) }

    /// The next message of a stream's `framer` (``RelayMessage/makeFramer()``), or `nil` when more bytes are needed.
    /// The bytes behind it stay in the framer (`takeRemaining()`): after a CONNECT they belong to the circuit.
    public static func next(from framer: inout LengthPrefixedFramer) throws(RelayError) -> Self? {
        let body: [UInt8]?
        do throws(WireError) {
            body = try framer.nextFrame()
        } catch {
            if case .lengthTooLarge(let limit) = error { throw .tooLarge(limit: limit) }
            throw .malformed(error)
        }
        guard let body else { return nil }
        return try Self(bytes: body)
    }

    /// The first framed message of `buffer` and the bytes behind it, or `nil` when `buffer` ends inside the frame.
    /// A declared length over ``RelayMessage/maxSize`` is an error as soon as the prefix is complete.
    public static func unframe(_ buffer: [UInt8]) throws(RelayError) -> (message: Self, rest: [UInt8])? {
        var framer = RelayMessage.makeFramer()
        framer.append(buffer)
        guard let message = try next(from: &framer) else { return nil }
        return (message, framer.takeRemaining())
    }
}
