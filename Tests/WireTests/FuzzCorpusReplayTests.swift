import FuzzHarness
import TestSupport
import Testing

// Replays Fuzz/Corpus and Fuzz/Crashes through the fuzz targets' own harnesses (Tests/FuzzHarness); see FuzzCorpus.

@Suite("Fuzz corpus replay")
struct FuzzCorpusReplayTests {
    @Test("every target has seeds", arguments: ["wire-protobuf", "wire-uvarint", "wire-base58", "wire-multihash"])
    func seedsExist(_ target: String) {
        #expect(FuzzCorpus.hasSeeds(target), "no seeds in Fuzz/Corpus/\(target)")
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: wire-protobuf", arguments: FuzzCorpus.inputs("wire-protobuf"))
    func protobufReplay(_ input: String) throws {
        try FuzzCorpus.replay(input, WireHarness.protobuf)
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: wire-uvarint", arguments: FuzzCorpus.inputs("wire-uvarint"))
    func uvarintReplay(_ input: String) throws {
        try FuzzCorpus.replay(input, WireHarness.uvarint)
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: wire-base58", arguments: FuzzCorpus.inputs("wire-base58"))
    func base58Replay(_ input: String) throws {
        try FuzzCorpus.replay(input, WireHarness.base58)
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: wire-multihash", arguments: FuzzCorpus.inputs("wire-multihash"))
    func multihashReplay(_ input: String) throws {
        try FuzzCorpus.replay(input, WireHarness.multihash)
    }
}
