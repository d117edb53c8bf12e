import FuzzHarness
import TestSupport
import Testing

// Noise's fuzz targets: Fuzz/Corpus and Fuzz/Crashes replayed through their harnesses (Tests/FuzzHarness).
@Test(
    "Fuzz/Corpus and Fuzz/Crashes replay",
    arguments: FuzzCorpus.cases(["noise-payload": NoiseHarness.payload, "noise-responder": NoiseHarness.responder]))
func noiseFuzzCorpusReplay(_ replay: FuzzCorpus.Case) throws { try replay.run() }
