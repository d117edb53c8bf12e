import FuzzHarness
import TestSupport
import Testing

// The config file's fuzz targets: Fuzz/Corpus and Fuzz/Crashes replayed through their harnesses (Tests/FuzzHarness).
@Test(
    "Fuzz/Corpus and Fuzz/Crashes replay",
    arguments: FuzzCorpus.cases(["config-json": ConfigHarness.json]))
func configFuzzCorpusReplay(_ replay: FuzzCorpus.Case) throws { try replay.run() }
