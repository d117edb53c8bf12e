/// A parsed request line plus header fields. This endpoint takes no bodies, so this is the whole
/// request.
public struct HTTPRequestHead: Sendable, Equatable {
    /// The method token, case-sensitive (`GET`, `HEAD`, …).
    public var method: String
    /// The request target as sent: path plus optional `?query` (or `*`, or an absolute URI).
    public var target: String
    /// `HTTP/1.0` or `HTTP/1.1`.
    public var version: HTTPVersion
    /// Header fields in order.
    public var headers: HTTPHeaders

    /// Creates a head.
    public init(method: String, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = [:]) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
    }

    /// The target up to (not including) the first `?`.
    public var path: String {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return target }
        return String(target[..<mark])
    }

    /// The target after the first `?`, or `nil` when there is none.
    public var query: String? {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return nil }
        return String(target[target.utf8.index(after: mark)...])
    }

    /// Whether the connection stays open after the response (RFC 9112 §9.3): HTTP/1.1 unless a
    /// `Connection` field lists `close`; HTTP/1.0 only if it lists `keep-alive` (and not `close`).
    public var keepAlive: Bool {
        if headers.containsToken("close", inField: "Connection") { return false }
        if version == .http1_1 { return true }
        return version == .http1_0 && headers.containsToken("keep-alive", inField: "Connection")
    }
}
