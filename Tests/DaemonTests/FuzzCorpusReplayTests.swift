import FuzzHarness
import TestSupport
import Testing

// Replays Fuzz/Corpus and Fuzz/Crashes through the fuzz targets' own harnesses (Tests/FuzzHarness); see FuzzCorpus.

@Suite("Fuzz corpus replay")
struct FuzzCorpusReplayTests {
    @Test("every target has seeds", arguments: ["config-json"])
    func seedsExist(_ target: String) {
        #expect(FuzzCorpus.hasSeeds(target), "no seeds in Fuzz/Corpus/\(target)")
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: config-json", arguments: FuzzCorpus.inputs("config-json"))
    func jsonReplay(_ input: String) throws {
        try FuzzCorpus.replay(input, ConfigHarness.json)
    }
}
