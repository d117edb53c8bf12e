import FuzzHarness
import TestSupport
import Testing

// Node's fuzz targets: Fuzz/Corpus and Fuzz/Crashes replayed through their harnesses (Tests/FuzzHarness).
@Test("Fuzz/Corpus and Fuzz/Crashes replay", arguments: FuzzCorpus.cases(["inbound-connection": NodeHarness.inbound]))
func nodeFuzzCorpusReplay(_ replay: FuzzCorpus.Case) throws { try replay.run() }
