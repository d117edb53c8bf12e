import FuzzHarness
import TestSupport
import Testing

// Wire's fuzz targets: Fuzz/Corpus and Fuzz/Crashes replayed through their harnesses (Tests/FuzzHarness).
@Test(
    "Fuzz/Corpus and Fuzz/Crashes replay",
    arguments: FuzzCorpus.cases([
        "wire-protobuf": WireHarness.protobuf, "wire-uvarint": WireHarness.uvarint, "wire-base58": WireHarness.base58,
        "wire-multihash": WireHarness.multihash,
    ]))
func wireFuzzCorpusReplay(_ replay: FuzzCorpus.Case) throws { try replay.run() }
