/// Errors of the Yamux codec and session. The protocol violations (everything a peer can cause) end the session
/// with GoAway(protocol error); the local-usage errors are thrown by the session's commands.
public enum YamuxError: Error, Sendable, Equatable {
    // Peer protocol violations
    case truncatedHeader
    case unsupportedVersion(UInt8)
    case unknownFrameType(UInt8)
    /// A SYN for stream 0, or with the initiator's parity wrong for the peer's role.
    case invalidStreamID(UInt32)
    /// A SYN for a stream that is open, or for an ID the peer already used.
    case streamIDReused(UInt32)
    /// A data frame larger than the receive window the peer was granted.
    case windowExceeded(streamID: UInt32, length: UInt32, window: UInt32)
    /// A window update that would push the send window past 2^32 - 1.
    case windowOverflow(UInt32)
    /// A data frame for an unknown stream larger than any window we could have granted.
    case frameTooLarge(UInt32)

    /// Our keepalive ping went unanswered.
    case keepAliveTimeout

    // Local usage errors
    /// The session ended (protocol error, or GoAway sent/received where that forbids the command).
    case sessionClosed
    case goAwayReceived
    case unknownStream(UInt32)
    case tooManyStreams(limit: Int)
    case tooManyUnacknowledgedStreams(limit: Int)
    case tooManyOutstandingPings(limit: Int)
    case streamIDsExhausted
    case writeAfterClose(UInt32)
}
