import FuzzHarness
import TestSupport
import Testing

// Yamux's fuzz targets: Fuzz/Corpus and Fuzz/Crashes replayed through their harnesses (Tests/FuzzHarness).
@Test("Fuzz/Corpus and Fuzz/Crashes replay", arguments: FuzzCorpus.cases(["yamux": YamuxHarness.session]))
func yamuxFuzzCorpusReplay(_ replay: FuzzCorpus.Case) throws { try replay.run() }
