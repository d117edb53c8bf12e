import FuzzHarness
import TestSupport
import Testing

// Multistream's fuzz targets: Fuzz/Corpus and Fuzz/Crashes replayed through their harnesses (Tests/FuzzHarness).
@Test("Fuzz/Corpus and Fuzz/Crashes replay", arguments: FuzzCorpus.cases(["multistream": MultistreamHarness.negotiate]))
func multistreamFuzzCorpusReplay(_ replay: FuzzCorpus.Case) throws { try replay.run() }
