import FuzzHarness
import Kademlia
import TestSupport
import Testing

// Kademlia's fuzz targets: Fuzz/Corpus and Fuzz/Crashes replayed through their harnesses (Tests/FuzzHarness).
@Test(
    "Fuzz/Corpus and Fuzz/Crashes replay",
    arguments: FuzzCorpus.cases(["kad-message": KademliaHarness.message, "kad-snapshot": KademliaHarness.snapshot]))
func kademliaFuzzCorpusReplay(_ replay: FuzzCorpus.Case) throws { try replay.run() }

/// The seeds are valid inputs, so fuzzing starts from the decoders' deep paths.
@Test func kademliaFuzzSeedsDecode() throws {
    let messages = FuzzCorpus.inputs("kad-message").filter { $0.hasPrefix("Corpus/") }
    let snapshots = FuzzCorpus.inputs("kad-snapshot").filter { $0.hasPrefix("Corpus/") }
    #expect(messages.count >= 5 && snapshots.count >= 3)
    for input in messages { #expect(throws: Never.self, "\(input)") { try KadMessage(bytes: FuzzCorpus.bytes(input)) } }
    for input in snapshots {
        #expect(throws: Never.self, "\(input)") { try RoutingTableSnapshot(bytes: FuzzCorpus.bytes(input)) }
    }
}
