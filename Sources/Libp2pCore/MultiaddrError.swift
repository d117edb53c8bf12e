import Wire

/// Errors decoding or building a multiaddr. Names quoted from the input are cut to 32 characters.
public enum MultiaddrError: Error, Equatable, Sendable {
    /// No components (empty bytes, `""`, or `/`).
    case empty
    /// The binary form would exceed ``Multiaddr/maxLength`` bytes, or the text ``Multiaddr/maxTextLength``.
    case tooLong(limit: Int)
    /// More than ``Multiaddr/maxComponents`` components.
    case tooManyComponents(limit: Int)
    /// Text that does not start with `/`.
    case missingLeadingSlash
    /// A text protocol name that is not in the table.
    case unknownProtocolName(String)
    /// A binary protocol code that is not in the table.
    case unknownProtocolCode(UInt64)
    /// A protocol that needs a value has none.
    case missingValue(protocol: String)
    /// A value that does not parse or is out of range for its protocol.
    case invalidValue(protocol: String)
    /// A protocol this codec knows how to frame but not how to read or write (onion, garlic).
    case unsupportedProtocol(String)
    /// Truncated bytes or a bad varint.
    case malformedBytes(WireError)

    static func quoted<S: StringProtocol>(_ s: S) -> String { String(s.prefix(32)) }
}
