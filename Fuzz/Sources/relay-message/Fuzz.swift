import FuzzDriver
import FuzzHarness

/// libFuzzer entry point: HopMessage, StopMessage (bare and framed) and RelayVoucher. Invariants: see `RelayHarness.message`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    RelayHarness.message(fuzzInput(data, size), check: .trap)
    return 0
}

/// The executable's entry point (SwiftPM links it as `main`): libFuzzer's driver.
@_cdecl("relay_message_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv)
}
