import Foundation
import HTTP1
import Testing

// Replays the libFuzzer seed corpus and every recorded crash of the Fuzz/ package's targets through the same decoder
// calls and invariants, without sanitizers: calling the decoder must not trap and the invariants must hold. The
// corpus is read from the repository (located via #filePath), so no test resources are needed. The harness below is
// a copy of Fuzz/Sources/FuzzHarness/HTTPHarness.swift (there `check` traps; here it records an issue); keep them in step.

@Suite("Fuzz corpus replay")
struct FuzzCorpusReplayTests {
    @Test("every target has seeds", arguments: ["http-parser", "http-connection"])
    func seedsExist(_ target: String) {
        #expect(FuzzCorpus.inputs(target).contains { $0.hasPrefix("Corpus/") }, "no seeds in Fuzz/Corpus/\(target)")
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: http-parser", arguments: FuzzCorpus.inputs("http-parser"))
    func parserReplay(_ input: String) throws {
        HTTPHarness.parser(try FuzzCorpus.bytes(input))
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: http-connection", arguments: FuzzCorpus.inputs("http-connection"))
    func connectionReplay(_ input: String) throws {
        HTTPHarness.connection(try FuzzCorpus.bytes(input))
    }
}

/// The files of Fuzz/Corpus/<target>/ and Fuzz/Crashes/<target>/ (paths relative to Fuzz/), README.md and dotfiles
/// excepted.
enum FuzzCorpus {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz")

    static func inputs(_ target: String) -> [String] {
        ["Corpus", "Crashes"].flatMap { kind in
            let names =
                (try? FileManager.default.contentsOfDirectory(
                    atPath: root.appendingPathComponent(kind).appendingPathComponent(target).path)) ?? []
            return names.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map { "\(kind)/\(target)/\($0)" }
        }
    }

    static func bytes(_ input: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(input)))
    }
}

/// A harness invariant; records an issue (the fuzz build traps instead).
func check(
    _ condition: Bool, _ message: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation
) {
    if !condition { Issue.record(Comment(rawValue: message()), sourceLocation: sourceLocation) }
}

/// HTTP/1.1: the request-head parser and the connection state machine.
enum HTTPHarness {
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
    static func parser(_ bytes: [UInt8]) {
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
    static func connection(_ bytes: [UInt8]) {
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
