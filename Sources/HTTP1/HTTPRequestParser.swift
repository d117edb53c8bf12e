/// An incremental HTTP/1.1 request-head parser for an endpoint that takes no request bodies.
///
/// Feed bytes with ``append(_:)`` and pull requests with ``next()`` (or do both with ``parse(_:)``).
/// Bytes after a complete head stay buffered for the next request (pipelining). Line endings may
/// be CRLF or bare LF (RFC 9112 §2.2 allows servers to accept LF); a bare CR is rejected. Leading
/// empty lines before a request line are skipped. Once an error is thrown the parser stays failed
/// and throws the same error again.
///
/// Memory: the buffer holds at most the unparsed bytes; a head that has not ended within
/// ``HTTPParserConfig/maxHeadBytes`` fails as soon as that many bytes are buffered, so a caller
/// that parses after every append never holds more than `maxHeadBytes` plus one read.
public struct HTTPRequestParser: Sendable {
    /// The limits in force.
    public let config: HTTPParserConfig
    private var buffer: [UInt8] = []
    /// Index of the first unconsumed byte.
    private var start = 0
    /// Where the search for the end of the head resumes (avoids rescanning on drip feeds).
    private var scanFrom = 0
    private var failure: HTTPParseError?

    /// Creates a parser.
    public init(config: HTTPParserConfig = HTTPParserConfig()) {
        self.config = config
    }

    /// Bytes received but not yet consumed by a complete request.
    public var bufferedByteCount: Int { buffer.count - start }

    /// Buffers `bytes`. Cheap; parsing happens in ``next()``.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        guard failure == nil else { return }
        buffer.append(contentsOf: bytes)
    }

    /// Appends `bytes` and returns every complete request now buffered, in order.
    public mutating func parse(_ bytes: some Sequence<UInt8>) throws(HTTPParseError) -> [HTTPRequestHead] {
        append(bytes)
        var heads: [HTTPRequestHead] = []
        while let head = try next() { heads.append(head) }
        return heads
    }

    /// The next complete request, `nil` if more bytes are needed.
    public mutating func next() throws(HTTPParseError) -> HTTPRequestHead? {
        if let failure { throw failure }
        do {
            return try nextUnchecked()
        } catch {
            failure = error
            buffer = []
            start = 0
            scanFrom = 0
            throw error
        }
    }

    private mutating func nextUnchecked() throws(HTTPParseError) -> HTTPRequestHead? {
        skipLeadingEmptyLines()
        guard let end = findEndOfHead() else {
            if buffer.count - start >= config.maxHeadBytes { throw .headTooLarge }
            compact()
            return nil
        }
        guard end - start <= config.maxHeadBytes else { throw .headTooLarge }
        let head = try Self.parseHead(buffer[start..<end], config: config)
        start = end
        scanFrom = end
        compact()
        return head
    }

    /// RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request line.
    private mutating func skipLeadingEmptyLines() {
        while start < buffer.count {
            if buffer[start] == UInt8(ascii: "\n") {
                start += 1
            } else if buffer[start] == UInt8(ascii: "\r"), start + 1 < buffer.count,
                buffer[start + 1] == UInt8(ascii: "\n")
            {
                start += 2
            } else {
                break
            }
        }
        scanFrom = max(scanFrom, start)
    }

    /// The index just past the empty line ending the head (`\n\n` or `\n\r\n`), if buffered.
    private mutating func findEndOfHead() -> Int? {
        var index = scanFrom
        let limit = min(buffer.count, start + config.maxHeadBytes + 3)
        while index < limit {
            if buffer[index] == UInt8(ascii: "\n") {
                guard index + 1 < buffer.count else { break }
                if buffer[index + 1] == UInt8(ascii: "\n") { return index + 2 }
                if buffer[index + 1] == UInt8(ascii: "\r") {
                    guard index + 2 < buffer.count else { break }
                    if buffer[index + 2] == UInt8(ascii: "\n") { return index + 3 }
                }
            }
            index += 1
        }
        scanFrom = index
        return nil
    }

    private mutating func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 65_536)
            start = 0
            scanFrom = 0
        } else if start >= 4096 {
            buffer.removeFirst(start)
            scanFrom -= start
            start = 0
        }
    }

    // MARK: - Head grammar

    private static func parseHead(_ bytes: ArraySlice<UInt8>, config: HTTPParserConfig) throws(HTTPParseError)
        -> HTTPRequestHead
    {
        var lines: [ArraySlice<UInt8>] = []
        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            var line = rawLine
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if line.contains(UInt8(ascii: "\r")) { throw .bareCarriageReturn }
            if line.isEmpty { break }
            lines.append(line)
        }
        guard let requestLine = lines.first else { throw .badRequestLine }
        var head = try parseRequestLine(requestLine)
        let fieldLines = lines.dropFirst()
        guard fieldLines.count <= config.maxHeaderCount else { throw .tooManyHeaders }
        var headers = HTTPHeaders()
        for line in fieldLines {
            let field = try parseFieldLine(line)
            headers.add(name: field.name, value: field.value)
        }
        head.headers = headers
        try checkFraming(head)
        return head
    }

    private static func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPRequestHead {
        let parts = line.split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .badRequestLine }
        let method = parts[0]
        let target = parts[1]
        let version = parts[2]
        guard !method.isEmpty, method.allSatisfy(isTokenByte) else { throw .invalidMethod }
        guard !target.isEmpty, target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw .invalidTarget }
        return HTTPRequestHead(
            method: String(decoding: method, as: UTF8.self),
            target: String(decoding: target, as: UTF8.self),
            version: try parseVersion(version))
    }

    private static func parseVersion(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPVersion {
        let text = Array(bytes)
        guard text.count == 8, text[0..<5].elementsEqual("HTTP/".utf8), text[6] == UInt8(ascii: "."),
            isDigit(text[5]), isDigit(text[7])
        else { throw .invalidVersion }
        let version = HTTPVersion(major: text[5] - UInt8(ascii: "0"), minor: text[7] - UInt8(ascii: "0"))
        guard version == .http1_0 || version == .http1_1 else { throw .unsupportedVersion }
        return version
    }

    private static func parseFieldLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (
        name: String, value: String
    ) {
        guard let first = line.first else { throw .headerWithoutColon }
        if isWhitespace(first) { throw .obsoleteLineFolding }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw .headerWithoutColon }
        let name = line[line.startIndex..<colon]
        if let last = name.last, isWhitespace(last) { throw .whitespaceBeforeColon }
        guard !name.isEmpty, name.allSatisfy(isTokenByte) else { throw .invalidHeaderName }
        var value = line[line.index(after: colon)...]
        while let byte = value.first, isWhitespace(byte) { value.removeFirst() }
        while let byte = value.last, isWhitespace(byte) { value.removeLast() }
        guard value.allSatisfy({ isWhitespace($0) || ($0 > 0x20 && $0 != 0x7F) }) else { throw .invalidHeaderValue }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    /// Host and body rules: exactly one `Host` on HTTP/1.1 (RFC 9112 §3.2), at most one `Host` on
    /// HTTP/1.0; no `Transfer-Encoding`; at most one `Content-Length`, and it must be `0`.
    private static func checkFraming(_ head: HTTPRequestHead) throws(HTTPParseError) {
        let hosts = head.headers.values(for: "Host").count
        if hosts > 1 || (hosts == 0 && head.version == .http1_1) { throw .invalidHost }
        if head.headers.contains(name: "Transfer-Encoding") { throw .transferEncodingNotAllowed }
        let lengths = head.headers.values(for: "Content-Length")
        guard let length = lengths.first else { return }
        guard lengths.count == 1 else { throw .duplicateContentLength }
        if length.utf8.contains(UInt8(ascii: ",")) { throw .duplicateContentLength }
        guard !length.isEmpty, length.utf8.allSatisfy(isDigit) else { throw .invalidContentLength }
        if length.utf8.contains(where: { $0 != UInt8(ascii: "0") }) { throw .bodyNotAllowed }
    }

    // MARK: - Byte classes

    /// `tchar` from RFC 9110 §5.6.2.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
