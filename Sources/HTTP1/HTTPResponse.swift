/// A complete response: status, header fields and body bytes.
///
/// ``render(forHEAD:keepAlive:announceKeepAlive:date:)`` owns the framing fields: it always writes
/// `Content-Length` and decides `Connection`, so any `Content-Length`, `Connection` or
/// `Transfer-Encoding` in ``headers`` is ignored. Fields whose name is not a token or whose value
/// holds a control character (CR, LF, NUL, …) are dropped rather than written, so a response can
/// never split.
public struct HTTPResponse: Sendable, Equatable {
    /// Status code and reason.
    public var status: HTTPStatus
    /// Header fields, in order (`Content-Type` belongs here).
    public var headers: HTTPHeaders
    /// The body; for `HEAD` only its length is sent.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: HTTPStatus, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `text/plain; charset=utf-8` response (or `contentType`) with `text` as the body.
    public static func text(
        _ status: HTTPStatus, _ text: String, contentType: String = "text/plain; charset=utf-8"
    ) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: Array(text.utf8))
    }

    /// The bytes to write: status line, fields, `Content-Length` (for `HEAD`, the length a `GET`
    /// would have had, and no body), `Connection: close` unless `keepAlive`, `Connection: keep-alive`
    /// if `keepAlive && announceKeepAlive` (HTTP/1.0 clients need it), and `Date` if given.
    public func render(
        forHEAD: Bool, keepAlive: Bool, announceKeepAlive: Bool = false, date: String? = nil
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + (forHEAD ? 0 : body.count))
        let code = (100...599).contains(status.code) ? status.code : 500
        let reason = code == status.code ? status.reason : HTTPStatus.internalServerError.reason
        append("HTTP/1.1 \(code) ", to: &out)
        out.append(contentsOf: reason.utf8.filter { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) })
        append("\r\n", to: &out)
        if let date, Self.isSafeValue(date) { append("Date: \(date)\r\n", to: &out) }
        for (name, value) in headers
        where Self.isSafeName(name) && Self.isSafeValue(value)
            && !HTTPHeaders.namesEqual(name, "Content-Length") && !HTTPHeaders.namesEqual(name, "Connection")
            && !HTTPHeaders.namesEqual(name, "Transfer-Encoding")
        {
            append("\(name): \(value)\r\n", to: &out)
        }
        append("Content-Length: \(body.count)\r\n", to: &out)
        if !keepAlive {
            append("Connection: close\r\n", to: &out)
        } else if announceKeepAlive {
            append("Connection: keep-alive\r\n", to: &out)
        }
        append("\r\n", to: &out)
        if !forHEAD { out.append(contentsOf: body) }
        return out
    }

    private func append(_ text: String, to out: inout [UInt8]) {
        out.append(contentsOf: text.utf8)
    }

    private static func isSafeName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(HTTPRequestParser.isTokenByte)
    }

    private static func isSafeValue(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
    }
}
