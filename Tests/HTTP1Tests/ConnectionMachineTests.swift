import Testing

@testable import HTTP1

@Suite("HTTPConnectionMachine")
struct ConnectionMachineTests {
    static let second: UInt64 = 1_000_000_000
    static var routes: HTTPEndpointRoutes {
        HTTPEndpointRoutes([
            "/metrics": { _ in .text(.ok, "m 1\n") },
            "/healthz": { _ in .text(.ok, "ok\n") },
        ])
    }

    static func machine(_ config: HTTPConnectionConfig = HTTPConnectionConfig(), now: UInt64 = 0)
        -> HTTPConnectionMachine
    {
        HTTPConnectionMachine(config: config, now: now) { routes.respond(to: $0) }
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("HTTP/1.1 keep-alive: answered, stays open, idle deadline")
    func keepAlive11() {
        var machine = Self.machine()
        #expect(machine.nextDeadline == 10 * Self.second)
        let out = machine.receive(Self.bytes("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"), now: 5)
        #expect(
            Self.text(out.bytes)
                == "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\n\r\nok\n")
        #expect(out.close == .no)
        #expect(out.responses == 1)
        #expect(out.nextDeadline == 5 + 30 * Self.second)
    }

    @Test("HTTP/1.0 without keep-alive closes after write; with keep-alive announces it")
    func http10() {
        var plain = Self.machine()
        let out = plain.receive(Self.bytes("GET /healthz HTTP/1.0\r\n\r\n"), now: 0)
        #expect(Self.text(out.bytes).contains("Connection: close\r\n"))
        #expect(out.close == .afterWrite)
        #expect(plain.isFinished)
        #expect(plain.receive(Self.bytes("GET /healthz HTTP/1.0\r\n\r\n"), now: 1).bytes.isEmpty)

        var kept = Self.machine()
        let keptOut = kept.receive(Self.bytes("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), now: 0)
        #expect(Self.text(keptOut.bytes).contains("Connection: keep-alive\r\n"))
        #expect(keptOut.close == .no)
    }

    @Test("Connection: close on 1.1 closes after write and ignores later pipelined requests")
    func close11() {
        var machine = Self.machine()
        let out = machine.receive(
            Self.bytes(
                "GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /metrics HTTP/1.1\r\nHost: a\r\n\r\n"),
            now: 0)
        #expect(out.responses == 1)
        #expect(out.close == .afterWrite)
        #expect(Self.text(out.bytes).hasSuffix("Connection: close\r\n\r\nok\n"))
    }

    @Test("pipelined requests are answered in order, HEAD without body")
    func pipelined() {
        var machine = Self.machine()
        let out = machine.receive(
            Self.bytes(
                "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\nHEAD /healthz HTTP/1.1\r\nHost: a\r\n\r\nPUT /healthz HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n"
            ),
            now: 0)
        #expect(out.responses == 4)
        let expected =
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 4\r\n\r\nm 1\n"
            + "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\n\r\n"
            + "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\nAllow: GET, HEAD\r\nContent-Length: 19\r\n\r\nmethod not allowed\n"
            + "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 10\r\n\r\nnot found\n"
        #expect(Self.text(out.bytes) == expected)
        #expect(out.close == .no)
    }

    @Test("per-turn cap: morePending, then resume answers the rest")
    func perTurnCap() {
        var machine = Self.machine(HTTPConnectionConfig(maxResponsesPerTurn: 2))
        let request = "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
        let first = machine.receive(Self.bytes(String(repeating: request, count: 5)), now: 0)
        #expect(first.responses == 2 && first.morePending)
        let second = machine.resume(now: 1)
        #expect(second.responses == 2 && second.morePending)
        let third = machine.resume(now: 2)
        #expect(third.responses == 1 && !third.morePending)
        #expect(machine.requestsServed == 5)
    }

    @Test("the Nth request of maxRequestsPerConnection gets Connection: close")
    func requestCap() {
        var machine = Self.machine(HTTPConnectionConfig(maxRequestsPerConnection: 2))
        let request = Self.bytes("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(machine.receive(request, now: 0).close == .no)
        let last = machine.receive(request, now: 1)
        #expect(last.close == .afterWrite)
        #expect(Self.text(last.bytes).contains("Connection: close\r\n"))
    }

    @Test("malformed request: 400 with Connection: close, then close")
    func malformed() {
        var machine = Self.machine()
        let out = machine.receive(Self.bytes("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), now: 0)
        #expect(
            Self.text(out.bytes)
                == "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 12\r\nConnection: close\r\n\r\nBad Request\n"
        )
        #expect(out.close == .afterWrite)
        #expect(out.event == .rejected(.whitespaceBeforeColon))
    }

    @Test("oversized head: 431 and close, without waiting for the end of the head")
    func oversized() {
        var machine = Self.machine(HTTPConnectionConfig(parser: HTTPParserConfig(maxHeadBytes: 100)))
        let out = machine.receive(Self.bytes("GET /" + String(repeating: "a", count: 200)), now: 0)
        #expect(Self.text(out.bytes).hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"))
        #expect(out.close == .afterWrite)
        #expect(out.event == .rejected(.headTooLarge))
    }

    @Test("slowloris: the read timeout runs from the first byte, drip-feeding does not extend it")
    func slowloris() {
        let second = Self.second
        var machine = Self.machine(now: 0)
        // Idle 5 s after connect, then a byte every second.
        var out = machine.receive(Self.bytes("G"), now: 5 * second)
        #expect(out.nextDeadline == 15 * second)
        for tick in 6...14 {
            out = machine.receive(Self.bytes("E"), now: UInt64(tick) * second)
            #expect(out.nextDeadline == 15 * second)
        }
        #expect(machine.timerFired(now: 14 * second).close == .no)  // early: harmless
        out = machine.timerFired(now: 15 * second)
        #expect(Self.text(out.bytes).hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
        #expect(out.close == .afterWrite)
        #expect(out.event == .timedOut)
        #expect(out.nextDeadline == 25 * second)  // linger
        #expect(machine.timerFired(now: 25 * second).close == .now)
        #expect(machine.nextDeadline == nil)
    }

    @Test("connection that never sends is closed at the read timeout without a response")
    func silentConnection() {
        var machine = Self.machine(now: 100)
        let out = machine.timerFired(now: 100 + 10 * Self.second)
        #expect(out.bytes.isEmpty)
        #expect(out.close == .now)
        #expect(out.event == .timedOut)
    }

    @Test("idle keep-alive connection is closed at the idle timeout; a new request resets the clock")
    func idleTimeout() {
        let second = Self.second
        var machine = Self.machine()
        let request = Self.bytes("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(machine.receive(request, now: 1 * second).nextDeadline == 31 * second)
        #expect(machine.receive(request, now: 20 * second).nextDeadline == 50 * second)
        #expect(machine.timerFired(now: 31 * second).close == .no)
        let out = machine.timerFired(now: 50 * second)
        #expect(out.close == .now && out.bytes.isEmpty)
    }

    @Test("peer EOF: partial head dropped, close after queued bytes")
    func peerClosed() {
        var machine = Self.machine()
        _ = machine.receive(Self.bytes("GET /healthz HTTP/1.1\r\nHo"), now: 0)
        let out = machine.peerClosed()
        #expect(out.bytes.isEmpty && out.close == .afterWrite)
        #expect(machine.receive(Self.bytes("st: a\r\n\r\n"), now: 1).close == .now)
    }

    @Test("a request dripped one byte at a time through the machine is answered once")
    func dripFeed() {
        var machine = Self.machine()
        let bytes = Self.bytes("HEAD /metrics HTTP/1.1\r\nHost: a\r\n\r\n")
        var responses = 0
        var written: [UInt8] = []
        for (index, byte) in bytes.enumerated() {
            let out = machine.receive([byte], now: UInt64(index))
            responses += out.responses
            written += out.bytes
        }
        #expect(responses == 1)
        #expect(
            Self.text(written)
                == "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 4\r\n\r\n")
    }

    @Test("pipelining flood beyond maxBufferedBytes while paused closes the connection")
    func bufferLimit() {
        var machine = Self.machine(
            HTTPConnectionConfig(
                parser: HTTPParserConfig(maxHeadBytes: 64), maxResponsesPerTurn: 1, maxBufferedBytes: 64))
        let request = "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
        let out = machine.receive(Self.bytes(String(repeating: request, count: 4)), now: 0)
        #expect(out.close == .now)
        #expect(out.event == .bufferLimitExceeded)
    }
}

/// An answered keep-alive connection that goes idle is closed normally, not reported as a timeout
/// (a Prometheus scraping every minute would otherwise count an error per scrape).
@Test func idleExpiryAfterAServedRequestIsNotAnErrorEvent() {
    var machine = HTTPConnectionMachine(now: 0) { _ in .text(.ok, "ok\n") }
    _ = machine.receive(Array("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n".utf8), now: 1)
    let out = machine.timerFired(now: 1 + 30_000_000_000)
    #expect(out.close == .now)
    #expect(out.event == nil)
}
