import FuzzHarness
import TestSupport
import Testing

// Identify's fuzz targets: Fuzz/Corpus and Fuzz/Crashes replayed through their harnesses (Tests/FuzzHarness).
@Test("Fuzz/Corpus and Fuzz/Crashes replay", arguments: FuzzCorpus.cases(["identify": IdentifyHarness.message]))
func identifyFuzzCorpusReplay(_ replay: FuzzCorpus.Case) throws { try replay.run() }
