import FuzzDriver
import FuzzHarness

/// libFuzzer entry point: SignedEnvelope(bytes:), PeerRecord.open and PeerRecord(payload:). Invariants: see `Libp2pHarness.envelope`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    Libp2pHarness.envelope(fuzzInput(data, size), check: .trap)
    return 0
}

/// The executable's entry point (SwiftPM links it as `main`): libFuzzer's driver.
@_cdecl("envelope_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv)
}
