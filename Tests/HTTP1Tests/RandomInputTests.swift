import TestSupport
import Testing

@testable import HTTP1

@Suite("Random input never traps")
struct RandomInputTests {
    static let seeds: [UInt64] = [1, 2, 3, 0xDEAD_BEEF, 0x5EED_2024, 42, 7777, 123_456_789]

    static let fragments: [String] = [
        "GET", "HEAD", "POST", " ", "  ", "/", "/metrics", "/healthz", "?a=b", "HTTP/1.1", "HTTP/1.0", "HTTP/9.9",
        "\r\n", "\n", "\r", "\r\n\r\n", "\n\n", "Host: a", "Connection: close", "Connection: keep-alive",
        "Content-Length: 0", "Content-Length: 5", "Transfer-Encoding: chunked", ":", " : ", "\t", "\u{0}", "\u{7f}",
        "\u{e9}", "X-Long: " + String(repeating: "x", count: 300),
    ]

    /// Either uniformly random bytes or a soup of HTTP-ish fragments.
    static func input(_ rng: inout SeededGenerator) -> [UInt8] {
        var bytes: [UInt8] = []
        if Bool.random(using: &rng) {
            for _ in 0..<Int.random(in: 0...2000, using: &rng) { bytes.append(UInt8.random(in: 0...255, using: &rng)) }
        } else {
            for _ in 0..<Int.random(in: 0...200, using: &rng) {
                bytes += Array(fragments.randomElement(using: &rng)!.utf8)
            }
        }
        return bytes
    }

    @Test("parser and machine survive random input in random chunks", arguments: seeds)
    func randomInput(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        for round in 0..<300 {
            let bytes = Self.input(&rng)
            var parser = HTTPRequestParser(config: HTTPParserConfig(maxHeadBytes: 512, maxHeaderCount: 8))
            var machine = HTTPConnectionMachine(
                config: HTTPConnectionConfig(
                    parser: HTTPParserConfig(maxHeadBytes: 512, maxHeaderCount: 8), maxResponsesPerTurn: 4),
                now: 0
            ) { _ in .text(.ok, "ok") }
            var offset = 0
            var now: UInt64 = 0
            var responses = 0
            while offset < bytes.count {
                let length = min(bytes.count - offset, Int.random(in: 1...64, using: &rng))
                let chunk = bytes[offset..<(offset + length)]
                offset += length
                now += UInt64.random(in: 0...2_000_000_000, using: &rng)
                _ = try? parser.parse(chunk)
                #expect(parser.bufferedByteCount <= 512 + 64, "seed \(seed) round \(round)")
                var out = machine.receive(chunk, now: now)
                responses += out.responses
                while out.morePending {
                    out = machine.resume(now: now)
                    responses += out.responses
                }
                if let deadline = out.nextDeadline, deadline <= now + 1 { _ = machine.timerFired(now: deadline) }
                #expect(machine.requestsServed == responses, "seed \(seed) round \(round)")
            }
            _ = machine.timerFired(now: .max)
            _ = machine.peerClosed()
        }
    }
}
