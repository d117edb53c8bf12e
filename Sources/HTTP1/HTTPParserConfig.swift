/// Limits for ``HTTPRequestParser``.
public struct HTTPParserConfig: Sendable, Equatable {
    /// Most bytes in one request head (request line, fields, final empty line). Default 8192, as
    /// in most servers' default; a larger head is rejected with ``HTTPParseError/headTooLarge``.
    public var maxHeadBytes: Int
    /// Most field lines per request. Default 100 (Go's and nginx's practical limit is similar).
    public var maxHeaderCount: Int

    /// Creates limits; values below 1 are raised to 1 (``maxHeadBytes`` to 16).
    public init(maxHeadBytes: Int = 8192, maxHeaderCount: Int = 100) {
        self.maxHeadBytes = max(16, maxHeadBytes)
        self.maxHeaderCount = max(1, maxHeaderCount)
    }
}
