import FuzzHarness
import TestSupport
import Testing

// Libp2pCore's fuzz targets: Fuzz/Corpus and Fuzz/Crashes replayed through their harnesses (Tests/FuzzHarness).
@Test(
    "Fuzz/Corpus and Fuzz/Crashes replay",
    arguments: FuzzCorpus.cases([
        "peer-id": Libp2pHarness.peerID, "public-key": Libp2pHarness.publicKey, "private-key": Libp2pHarness.privateKey,
        "multiaddr": Libp2pHarness.multiaddr, "envelope": Libp2pHarness.envelope,
    ]))
func libp2pFuzzCorpusReplay(_ replay: FuzzCorpus.Case) throws { try replay.run() }
