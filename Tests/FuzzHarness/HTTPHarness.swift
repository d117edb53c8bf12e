import HTTP1

/// HTTP/1.1: the request-head parser and the connection state machine.
public enum HTTPHarness {
    static let parserConfig = HTTPParserConfig(maxHeadBytes: 512, maxHeaderCount: 8)

    static func drain(_ parser: inout HTTPRequestParser) -> (heads: [HTTPRequestHead], error: HTTPParseError?) {
        var heads: [HTTPRequestHead] = []
        do {
            while let head = try parser.next() { heads.append(head) }
            return (heads, nil)
        } catch {
            return (heads, error)
        }
    }

    /// `HTTPRequestParser`: the input parsed in one append and in segments of 1...16 bytes (the first byte picks
    /// the size) gives the same heads and the same error; the buffer never holds more than was appended.
    public static func parser(_ bytes: [UInt8], check: FuzzCheck) {
        var whole = HTTPRequestParser(config: parserConfig)
        whole.append(bytes)
        let (wholeHeads, wholeError) = drain(&whole)
        check(whole.bufferedByteCount <= bytes.count, "parser buffers more than appended")

        let segment = Int((bytes.first ?? 0) % 16) + 1
        var pieces = HTTPRequestParser(config: parserConfig)
        var pieceHeads: [HTTPRequestHead] = []
        var pieceError: HTTPParseError?
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + segment, bytes.count)
            pieces.append(bytes[offset..<end])
            offset = end
            let (heads, error) = drain(&pieces)
            pieceHeads += heads
            if let error {
                pieceError = error
                break
            }
        }
        check(pieceHeads == wholeHeads, "segmented parse gives other heads than one append")
        check(
            pieceError == wholeError,
            "segmented parse error \(String(describing: pieceError)) != \(String(describing: wholeError))")
    }

    /// `HTTPConnectionMachine` fed the input in segments (the first byte picks 1...32 bytes), with early timer
    /// calls, `resume` while `morePending`, the deadline and EOF: responses start with a status line, nothing is
    /// sent once finished, per-turn and per-connection limits hold, and the output's deadline is the machine's.
    public static func connection(_ bytes: [UInt8], check: FuzzCheck) {
        let config = HTTPConnectionConfig(
            parser: parserConfig, maxRequestsPerConnection: 8, maxResponsesPerTurn: 4, maxBufferedBytes: 1024)
        var now: UInt64 = 1_000
        var machine = HTTPConnectionMachine(config: config, now: now) { head in
            head.path == "/metrics" ? .text(.ok, "up 1\n") : .text(.notFound, "not found\n")
        }
        func verify(_ out: HTTPConnectionOutput, wasFinished: Bool, _ machine: HTTPConnectionMachine) {
            if wasFinished { check(out.bytes.isEmpty && out.responses == 0, "output after the machine finished") }
            if !out.bytes.isEmpty { check(out.bytes.starts(with: Array("HTTP/1.1 ".utf8)), "no status line") }
            check(out.responses <= config.maxResponsesPerTurn, "more responses than maxResponsesPerTurn")
            check(machine.requestsServed <= config.maxRequestsPerConnection, "more than maxRequestsPerConnection")
            check(out.nextDeadline == machine.nextDeadline, "output deadline differs from the machine's")
        }
        let segment = Int((bytes.first ?? 0) % 32) + 1
        var offset = 0
        var index = 0
        while offset < bytes.count {
            let end = min(offset + segment, bytes.count)
            var wasFinished = machine.isFinished
            var out = machine.receive(bytes[offset..<end], now: now)
            verify(out, wasFinished: wasFinished, machine)
            offset = end
            var resumes = 0
            while out.morePending {
                resumes += 1
                check(resumes <= bytes.count, "morePending never clears")
                wasFinished = machine.isFinished
                out = machine.resume(now: now)
                verify(out, wasFinished: wasFinished, machine)
            }
            now += 1_000_000
            index += 1
            if index % 4 == 3 {
                wasFinished = machine.isFinished
                verify(machine.timerFired(now: now), wasFinished: wasFinished, machine)
            }
        }
        if let deadline = machine.nextDeadline {
            let wasFinished = machine.isFinished
            verify(machine.timerFired(now: deadline), wasFinished: wasFinished, machine)
        }
        let out = machine.peerClosed()
        check(out.close == .afterWrite && out.bytes.isEmpty, "peerClosed does not close after write")
        check(machine.isFinished && machine.nextDeadline == nil, "not finished after peerClosed")
    }
}
