import FuzzDriver
import FuzzHarness

/// libFuzzer entry point: PublicKeyProtobuf(bytes:) / Libp2pPublicKey(protobufBytes:). Invariants: see `Libp2pHarness.publicKey`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    Libp2pHarness.publicKey(fuzzInput(data, size), check: .trap)
    return 0
}

/// The executable's entry point (SwiftPM links it as `main`): libFuzzer's driver.
@_cdecl("public_key_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv)
}
