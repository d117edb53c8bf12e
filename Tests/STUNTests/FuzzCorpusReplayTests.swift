import FuzzHarness
import TestSupport
import Testing

// STUN's fuzz targets: Fuzz/Corpus and Fuzz/Crashes replayed through their harnesses (Tests/FuzzHarness).
@Test(
    "Fuzz/Corpus and Fuzz/Crashes replay",
    arguments: FuzzCorpus.cases([
        "stun-decode": STUNHarness.decode, "stun-server": STUNHarness.server, "stun-tcp-framer": STUNHarness.tcpFramer,
    ]))
func stunFuzzCorpusReplay(_ replay: FuzzCorpus.Case) throws { try replay.run() }
