import FuzzHarness
import TestSupport
import Testing

// Replays Fuzz/Corpus and Fuzz/Crashes through the fuzz targets' own harnesses (Tests/FuzzHarness); see FuzzCorpus.

@Suite("Fuzz corpus replay")
struct FuzzCorpusReplayTests {
    @Test("every target has seeds", arguments: ["http-parser", "http-connection"])
    func seedsExist(_ target: String) {
        #expect(FuzzCorpus.hasSeeds(target), "no seeds in Fuzz/Corpus/\(target)")
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: http-parser", arguments: FuzzCorpus.inputs("http-parser"))
    func parserReplay(_ input: String) throws {
        try FuzzCorpus.replay(input, HTTPHarness.parser)
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: http-connection", arguments: FuzzCorpus.inputs("http-connection"))
    func connectionReplay(_ input: String) throws {
        try FuzzCorpus.replay(input, HTTPHarness.connection)
    }
}
