/// What a `YamuxSession` reports from the bytes it received.
public enum YamuxEvent: Sendable, Equatable {
    /// The peer opened a stream (already ACKed).
    case streamOpened(UInt32)
    /// The peer accepted a stream we opened.
    case streamAccepted(UInt32)
    /// Stream payload, a slice of the bytes given to `receive` (no copy). Call `consumed(_:count:now:)` once the
    /// application has taken it, to reopen the window.
    case data(UInt32, ArraySlice<UInt8>)
    /// The peer half-closed the stream (FIN): no more data will arrive on it.
    case streamClosedByPeer(UInt32)
    /// A stream the peer opened was refused with RST: `maxStreams` open already (or GoAway sent).
    case streamRefused(UInt32)
    /// The peer reset (or refused) the stream; `code` is a RST window update's Length (go-yamux v5), else 0.
    case streamReset(UInt32, code: UInt32)
    /// The peer ends the session; existing streams may finish, no new ones.
    case goAway(YamuxGoAwayCode)
    /// A ping we sent came back after this many nanoseconds.
    case pingRTT(nanoseconds: UInt64)
    /// The peer violated the protocol: GoAway(protocol error) is queued and the session accepts no more input.
    case sessionFailed(YamuxError)
}
