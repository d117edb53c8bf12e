import Daemon
import Foundation
import Testing

// Replays the libFuzzer seed corpus and every recorded crash of the Fuzz/ package's targets through the same decoder
// calls and invariants, without sanitizers: calling the decoder must not trap and the invariants must hold. The
// corpus is read from the repository (located via #filePath), so no test resources are needed. The harness below is
// a copy of Fuzz/Sources/FuzzHarness/ConfigHarness.swift (there `check` traps; here it records an issue); keep them in step.

@Suite("Fuzz corpus replay")
struct FuzzCorpusReplayTests {
    @Test("every target has seeds", arguments: ["config-json"])
    func seedsExist(_ target: String) {
        #expect(FuzzCorpus.inputs(target).contains { $0.hasPrefix("Corpus/") }, "no seeds in Fuzz/Corpus/\(target)")
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: config-json", arguments: FuzzCorpus.inputs("config-json"))
    func jsonReplay(_ input: String) throws {
        ConfigHarness.json(try FuzzCorpus.bytes(input))
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

/// The config file's JSON parser.
enum ConfigHarness {
    /// `JSONParser.parse`: an accepted document, written compact or pretty, parses back to the same value.
    static func json(_ bytes: [UInt8]) {
        let parser = JSONParser(maxDepth: 32, maxBytes: 1 << 20)
        guard let value = try? parser.parse(bytes) else { return }
        check((try? parser.parse(value.compact())) == value, "compact() does not parse back to the same value")
        check((try? parser.parse(value.prettyPrinted())) == value, "prettyPrinted() does not parse back")
    }
}
