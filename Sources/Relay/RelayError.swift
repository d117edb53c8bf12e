import Wire

/// Why a hop or stop message was refused. A relay answers both with `MALFORMED_MESSAGE` or resets the stream.
public enum RelayError: Error, Equatable, Sendable {
    /// The message, or the length its frame declares, exceeds ``RelayMessage/maxSize``.
    case tooLarge(limit: Int)
    /// Not a protobuf message of the schema: truncation, a bad varint or length prefix, a wrong wire type.
    case malformed(WireError)
}
