import FuzzHarness
import TestSupport
import Testing

// HTTP1's fuzz targets: Fuzz/Corpus and Fuzz/Crashes replayed through their harnesses (Tests/FuzzHarness).
@Test(
    "Fuzz/Corpus and Fuzz/Crashes replay",
    arguments: FuzzCorpus.cases(["http-parser": HTTPHarness.parser, "http-connection": HTTPHarness.connection]))
func httpFuzzCorpusReplay(_ replay: FuzzCorpus.Case) throws { try replay.run() }
