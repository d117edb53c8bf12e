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
