/// Why a request head was rejected. Every case closes the connection after the ``status`` response.
public enum HTTPParseError: Error, Hashable, Sendable {
    /// The request line is not `method SP target SP version` (or has bad bytes).
    case badRequestLine
    /// The method is not a token.
    case invalidMethod
    /// The target is empty or has bytes outside visible ASCII.
    case invalidTarget
    /// The version is not `HTTP/DIGIT.DIGIT`.
    case invalidVersion
    /// Well-formed but not HTTP/1.0 or HTTP/1.1.
    case unsupportedVersion
    /// A CR not followed by LF.
    case bareCarriageReturn
    /// A field line starting with whitespace (obsolete line folding, RFC 9112 §5.2).
    case obsoleteLineFolding
    /// A field line without `:`.
    case headerWithoutColon
    /// Whitespace between field name and colon (RFC 9112 §5.1 requires 400).
    case whitespaceBeforeColon
    /// The field name is empty or not a token.
    case invalidHeaderName
    /// The field value has a control character.
    case invalidHeaderValue
    /// More field lines than the configured cap.
    case tooManyHeaders
    /// The head (request line plus fields) exceeds the configured byte cap.
    case headTooLarge
    /// HTTP/1.1 without `Host`, or more than one `Host`.
    case invalidHost
    /// `Content-Length` is not a decimal number.
    case invalidContentLength
    /// More than one `Content-Length` (repeated field or list), identical or not.
    case duplicateContentLength
    /// `Transfer-Encoding` is present: this endpoint takes no bodies.
    case transferEncodingNotAllowed
    /// A non-zero `Content-Length`: this endpoint takes no bodies.
    case bodyNotAllowed

    /// The status the connection answers with before closing: 505 for an unsupported version,
    /// 431 for oversized heads, 413 for a declared body, 400 for everything else.
    public var status: HTTPStatus {
        switch self {
        case .unsupportedVersion: .httpVersionNotSupported
        case .tooManyHeaders, .headTooLarge: .requestHeaderFieldsTooLarge
        case .bodyNotAllowed: .contentTooLarge
        default: .badRequest
        }
    }
}
