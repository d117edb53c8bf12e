import Testing

@testable import HTTP1

@Suite("HTTPRequestParser")
struct ParserTests {
    static func parseOne(_ text: String, config: HTTPParserConfig = HTTPParserConfig()) throws(HTTPParseError)
        -> [HTTPRequestHead]
    {
        var parser = HTTPRequestParser(config: config)
        return try parser.parse(Array(text.utf8))
    }

    @Test("a typical Prometheus scrape")
    func prometheusScrape() throws {
        let heads = try Self.parseOne(
            "GET /metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9100\r\nUser-Agent: Prometheus/2.42.0\r\n"
                + "Accept: text/plain;version=0.0.4;q=1,*/*;q=0.1\r\nAccept-Encoding: gzip\r\n"
                + "X-Prometheus-Scrape-Timeout-Seconds: 10\r\n\r\n")
        #expect(heads.count == 1)
        let head = try #require(heads.first)
        #expect(head.method == "GET")
        #expect(head.target == "/metrics?x=1")
        #expect(head.path == "/metrics")
        #expect(head.query == "x=1")
        #expect(head.version == .http1_1)
        #expect(head.headers["host"] == "127.0.0.1:9100")
        #expect(head.headers["USER-AGENT"] == "Prometheus/2.42.0")
        #expect(head.headers.count == 5)
        #expect(head.headers[0].name == "Host")
        #expect(head.keepAlive)
    }

    @Test(
        "good vectors",
        arguments: [
            ("GET / HTTP/1.1\nHost: a\n\n", "GET", "/"),  // bare LF
            ("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET", "/"),  // leading empty line
            ("HEAD /healthz HTTP/1.0\r\n\r\n", "HEAD", "/healthz"),  // 1.0 needs no Host
            ("GET / HTTP/1.1\r\nHost:a\r\nX-Empty:\r\nContent-Length: 0\r\n\r\n", "GET", "/"),
            ("GET /x HTTP/1.1\r\nHost: \t a \t\r\nX: caf\u{e9}\r\n\r\n", "GET", "/x"),  // OWS, obs-text
            ("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", "OPTIONS", "*"),
            ("M-SEARCH! /a HTTP/1.1\r\nHost: a\r\n\r\n", "M-SEARCH!", "/a"),
        ])
    func goodVectors(text: String, method: String, target: String) throws {
        let heads = try Self.parseOne(text)
        #expect(heads.count == 1)
        #expect(heads.first?.method == method)
        #expect(heads.first?.target == target)
    }

    @Test("OWS around field values is trimmed")
    func trimming() throws {
        let head = try #require(try Self.parseOne("GET / HTTP/1.1\r\nHost: \t a b \t\r\n\r\n").first)
        #expect(head.headers["Host"] == "a b")
    }

    @Test(
        "bad vectors",
        arguments: [
            ("GET /\r\n\r\n", HTTPParseError.badRequestLine),
            ("GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n", .invalidVersion),
            ("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
            ("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidMethod),
            (" GET / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidMethod),
            ("GET /\u{e9} HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
            ("GET / HTTP/1.2\r\nHost: a\r\n\r\n", .unsupportedVersion),
            ("GET / HTTP/2.0\r\nHost: a\r\n\r\n", .unsupportedVersion),
            ("GET / http/1.1\r\nHost: a\r\n\r\n", .invalidVersion),
            ("GET / HTTP/1.10\r\nHost: a\r\n\r\n", .invalidVersion),
            ("GET / HTTP/1.1\rHost: a\r\n\r\n", .bareCarriageReturn),
            ("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n  folded\r\n\r\n", .obsoleteLineFolding),
            ("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", .headerWithoutColon),
            ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", .whitespaceBeforeColon),
            ("GET / HTTP/1.1\r\nHo(st: a\r\n\r\n", .invalidHeaderName),
            ("GET / HTTP/1.1\r\n: a\r\n\r\n", .invalidHeaderName),
            ("GET / HTTP/1.1\r\nHost: a\u{0}b\r\n\r\n", .invalidHeaderValue),
            ("GET / HTTP/1.1\r\nHost: a\u{7f}\r\n\r\n", .invalidHeaderValue),
            ("GET / HTTP/1.1\r\n\r\n", .invalidHost),
            ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .invalidHost),
            ("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", .transferEncodingNotAllowed),
            ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", .bodyNotAllowed),
            ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", .invalidContentLength),
            ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", .invalidContentLength),
            ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n", .duplicateContentLength),
            ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0, 1\r\n\r\n", .duplicateContentLength),
        ])
    func badVectors(text: String, error: HTTPParseError) {
        #expect(throws: error) { try Self.parseOne(text) }
    }

    @Test("status mapping of errors")
    func statusMapping() {
        #expect(HTTPParseError.headTooLarge.status.code == 431)
        #expect(HTTPParseError.tooManyHeaders.status.code == 431)
        #expect(HTTPParseError.bodyNotAllowed.status.code == 413)
        #expect(HTTPParseError.unsupportedVersion.status.code == 505)
        #expect(HTTPParseError.obsoleteLineFolding.status.code == 400)
    }

    @Test("a request fed one byte at a time parses exactly once, at the last byte")
    func dripFeed() throws {
        let bytes = Array("GET /metrics HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n".utf8)
        var parser = HTTPRequestParser()
        for (index, byte) in bytes.enumerated() {
            let heads = try parser.parse([byte])
            #expect(heads.count == (index == bytes.count - 1 ? 1 : 0), "at byte \(index)")
        }
        #expect(parser.bufferedByteCount == 0)
    }

    @Test("pipelined requests in one buffer come out in order; leftovers stay buffered")
    func pipelining() throws {
        var parser = HTTPRequestParser()
        let text = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nHEAD /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.0\n\nGET /d HT"
        let heads = try parser.parse(Array(text.utf8))
        #expect(heads.map(\.target) == ["/a", "/b", "/c"])
        #expect(heads.map(\.method) == ["GET", "HEAD", "GET"])
        #expect(parser.bufferedByteCount == 9)
        let rest = try parser.parse(Array("TP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(rest.map(\.target) == ["/d"])
    }

    @Test("head size cap: rejected once the cap is reached without an end, accepted at the cap")
    func headCap() throws {
        let config = HTTPParserConfig(maxHeadBytes: 64)
        let prefix = "GET / HTTP/1.1\r\nHost: a\r\nX: "
        let exact = prefix + String(repeating: "v", count: 64 - prefix.utf8.count - 4) + "\r\n\r\n"
        #expect(exact.utf8.count == 64)
        #expect(try Self.parseOne(exact, config: config).count == 1)
        let over = prefix + String(repeating: "v", count: 64 - prefix.utf8.count - 3) + "\r\n\r\n"
        #expect(throws: HTTPParseError.headTooLarge) { try Self.parseOne(over, config: config) }
        var parser = HTTPRequestParser(config: config)
        #expect(throws: HTTPParseError.headTooLarge) {
            try parser.parse(Array(repeating: UInt8(ascii: "A"), count: 64))
        }
        // The parser stays failed.
        #expect(throws: HTTPParseError.headTooLarge) { try parser.parse(Array("GET / HTTP/1.0\r\n\r\n".utf8)) }
    }

    @Test("header count cap")
    func headerCountCap() throws {
        let config = HTTPParserConfig(maxHeaderCount: 3)
        #expect(try Self.parseOne("GET / HTTP/1.1\r\nHost: a\r\nB: 1\r\nC: 2\r\n\r\n", config: config).count == 1)
        #expect(throws: HTTPParseError.tooManyHeaders) {
            try Self.parseOne("GET / HTTP/1.1\r\nHost: a\r\nB: 1\r\nC: 2\r\nD: 3\r\n\r\n", config: config)
        }
    }

    @Test(
        "keep-alive per RFC 9112",
        arguments: [
            ("HTTP/1.1", nil, true), ("HTTP/1.1", "close", false), ("HTTP/1.1", "Keep-Alive, CLOSE", false),
            ("HTTP/1.1", "keep-alive", true), ("HTTP/1.0", nil, false), ("HTTP/1.0", "Keep-Alive", true),
            ("HTTP/1.0", "upgrade, keep-alive", true), ("HTTP/1.0", "keep-alive, close", false),
        ] as [(String, String?, Bool)])
    func keepAlive(version: String, connection: String?, expected: Bool) throws {
        var text = "GET / \(version)\r\nHost: a\r\n"
        if let connection { text += "Connection: \(connection)\r\n" }
        let head = try #require(try Self.parseOne(text + "\r\n").first)
        #expect(head.keepAlive == expected)
    }
}
