import FuzzHarness
import TestSupport
import Testing

// Replays Fuzz/Corpus and Fuzz/Crashes through the fuzz targets' own harnesses (Tests/FuzzHarness); see FuzzCorpus.

@Suite("Fuzz corpus replay")
struct FuzzCorpusReplayTests {
    @Test("every target has seeds", arguments: ["stun-decode", "stun-server", "stun-tcp-framer"])
    func seedsExist(_ target: String) {
        #expect(FuzzCorpus.hasSeeds(target), "no seeds in Fuzz/Corpus/\(target)")
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: stun-decode", arguments: FuzzCorpus.inputs("stun-decode"))
    func decodeReplay(_ input: String) throws {
        try FuzzCorpus.replay(input, STUNHarness.decode)
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: stun-server", arguments: FuzzCorpus.inputs("stun-server"))
    func serverReplay(_ input: String) throws {
        try FuzzCorpus.replay(input, STUNHarness.server)
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: stun-tcp-framer", arguments: FuzzCorpus.inputs("stun-tcp-framer"))
    func tcpFramerReplay(_ input: String) throws {
        try FuzzCorpus.replay(input, STUNHarness.tcpFramer)
    }
}
