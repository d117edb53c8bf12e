import FuzzDriver
import FuzzHarness

/// libFuzzer entry point: YamuxHeader.decode and YamuxSession (server). Invariants: see `YamuxHarness.session`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    YamuxHarness.session(fuzzInput(data, size), check: .trap)
    return 0
}

/// The executable's entry point (SwiftPM links it as `main`): libFuzzer's driver.
@_cdecl("yamux_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv)
}
