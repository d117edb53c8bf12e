import FuzzHarness
import Relay
import TestSupport
import Testing

// Relay's fuzz target: Fuzz/Corpus and Fuzz/Crashes replayed through its harness (Tests/FuzzHarness).
@Test("Fuzz/Corpus and Fuzz/Crashes replay", arguments: FuzzCorpus.cases(["relay-message": RelayHarness.message]))
func relayFuzzCorpusReplay(_ replay: FuzzCorpus.Case) throws { try replay.run() }

/// The seeds are valid inputs (a hop or stop message, framed or not, or a voucher), so fuzzing starts from the
/// decoders' deep paths.
@Test func relayFuzzSeedsDecode() throws {
    let seeds = FuzzCorpus.inputs("relay-message").filter { $0.hasPrefix("Corpus/") }
    #expect(seeds.count >= 8)
    for input in seeds {
        let bytes = try FuzzCorpus.bytes(input)
        let decodes =
            (try? HopMessage(bytes: bytes)) != nil || (try? StopMessage(bytes: bytes)) != nil
            || (try? HopMessage.unframe(bytes)) != nil
            || (try? StopMessage.unframe(bytes)) != nil || (try? RelayVoucher.open(bytes: bytes)) != nil
            || (try? RelayVoucher(payload: bytes)) != nil
        #expect(decodes, "\(input)")
    }
}
