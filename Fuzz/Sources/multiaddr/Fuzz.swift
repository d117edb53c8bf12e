import FuzzDriver
import FuzzHarness

/// libFuzzer entry point: Multiaddr(bytes:) and Multiaddr(_:). Invariants: see `Libp2pHarness.multiaddr`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    Libp2pHarness.multiaddr(fuzzInput(data, size), check: .trap)
    return 0
}

/// The executable's entry point (SwiftPM links it as `main`): libFuzzer's driver.
@_cdecl("multiaddr_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv)
}
