import Foundation
import FuzzHarness
import Testing

/// The libFuzzer seed corpus and recorded crashes of the Fuzz/ package, replayed by each module's
/// FuzzCorpusReplayTests through the same harnesses (FuzzHarness) without sanitizers: calling the decoder must not
/// trap and the invariants must hold. The files are read from the repository (located via #filePath), so no test
/// resources are needed.
public enum FuzzCorpus {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz")

    /// The files of Fuzz/Corpus/<target>/ and Fuzz/Crashes/<target>/ (paths relative to Fuzz/), README.md and
    /// dotfiles excepted.
    public static func inputs(_ target: String) -> [String] {
        ["Corpus", "Crashes"].flatMap { kind in
            let names =
                (try? FileManager.default.contentsOfDirectory(
                    atPath: root.appendingPathComponent(kind).appendingPathComponent(target).path)) ?? []
            return names.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map { "\(kind)/\(target)/\($0)" }
        }
    }

    /// Whether Fuzz/Corpus/<target>/ holds at least one seed.
    public static func hasSeeds(_ target: String) -> Bool {
        inputs(target).contains { $0.hasPrefix("Corpus/") }
    }

    /// The bytes of one input named by `inputs`.
    public static func bytes(_ input: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(input)))
    }

    /// Runs `harness` on one input, recording a test issue for every violated invariant.
    public static func replay(_ input: String, _ harness: ([UInt8], FuzzCheck) -> Void) throws {
        harness(try bytes(input), .recordingIssues)
    }

    /// The test cases for some fuzz targets (name of the Fuzz/ executable and its harness): per target, a check
    /// that it has seeds, then every input of `inputs`.
    public static func cases(_ harnesses: KeyValuePairs<String, Harness>) -> [Case] {
        harnesses.flatMap { target, harness in
            [Case(target: target, input: nil, harness: harness)]
                + inputs(target).map { Case(target: target, input: $0, harness: harness) }
        }
    }

    public typealias Harness = @Sendable ([UInt8], FuzzCheck) -> Void

    /// One replay test case: a target's seed check (no input) or one of its inputs.
    public struct Case: Sendable, CustomTestStringConvertible {
        let target: String
        let input: String?
        let harness: Harness

        public var testDescription: String { input ?? "\(target): has seeds" }

        public func run() throws {
            guard let input else {
                if !FuzzCorpus.hasSeeds(target) { Issue.record("no seeds in Fuzz/Corpus/\(target)") }
                return
            }
            try FuzzCorpus.replay(input, harness)
        }
    }
}

extension FuzzCheck {
    /// Records a test issue at the invariant's source location (the fuzz executables trap instead).
    public static let recordingIssues = FuzzCheck { failure in
        Issue.record(
            Comment(rawValue: failure.message),
            sourceLocation: SourceLocation(
                fileID: "\(failure.fileID)", filePath: "\(failure.filePath)", line: Int(failure.line),
                column: Int(failure.column)))
    }
}
