/// Limits of a multistream-select negotiation.
public struct MultistreamConfig: Equatable, Sendable {
    /// Largest message (length prefix value, newline included); go and js use 1024.
    public var maxMessageLength: Int
    /// Listener: how many `na` answers (and `ls` requests) it gives before failing the negotiation.
    public var maxAttempts: Int

    public init(maxMessageLength: Int = MultistreamCodec.defaultMaxMessageLength, maxAttempts: Int = 16) {
        self.maxMessageLength = maxMessageLength
        self.maxAttempts = maxAttempts
    }
}

/// The outcome of a negotiation.
public enum MultistreamResult: Equatable, Sendable {
    /// Both sides agreed on `protocol`. `remaining` holds the bytes received behind the negotiation (Noise message 1,
    /// stream data, ...): they belong to `protocol` and must be handed to it.
    case negotiated(protocol: String, remaining: [UInt8])
    /// The negotiation failed; reset the stream or close the connection. Any `toSend` bytes may still be sent first.
    case failed(MultistreamError)
}

/// What a negotiation step produced: bytes to write to the peer, and the result once there is one.
public struct MultistreamOutput: Equatable, Sendable {
    public var toSend: [UInt8]
    public var result: MultistreamResult?

    public init(toSend: [UInt8] = [], result: MultistreamResult? = nil) {
        self.toSend = toSend
        self.result = result
    }
}
