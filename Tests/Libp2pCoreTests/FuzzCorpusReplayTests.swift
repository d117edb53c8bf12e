import FuzzHarness
import TestSupport
import Testing

// Replays Fuzz/Corpus and Fuzz/Crashes through the fuzz targets' own harnesses (Tests/FuzzHarness); see FuzzCorpus.

@Suite("Fuzz corpus replay")
struct FuzzCorpusReplayTests {
    @Test("every target has seeds", arguments: ["peer-id", "public-key", "private-key"])
    func seedsExist(_ target: String) {
        #expect(FuzzCorpus.hasSeeds(target), "no seeds in Fuzz/Corpus/\(target)")
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: peer-id", arguments: FuzzCorpus.inputs("peer-id"))
    func peerIDReplay(_ input: String) throws {
        try FuzzCorpus.replay(input, Libp2pHarness.peerID)
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: public-key", arguments: FuzzCorpus.inputs("public-key"))
    func publicKeyReplay(_ input: String) throws {
        try FuzzCorpus.replay(input, Libp2pHarness.publicKey)
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: private-key", arguments: FuzzCorpus.inputs("private-key"))
    func privateKeyReplay(_ input: String) throws {
        try FuzzCorpus.replay(input, Libp2pHarness.privateKey)
    }
}
