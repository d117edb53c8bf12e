import CLibFuzzer

// The libFuzzer glue shared by the fuzz executables. The invariants themselves are the main package's `FuzzHarness`
// module (Tests/FuzzHarness, through the `WaystoneFuzzable` product), called with `check: .trap`.

/// The fuzzer's input as an array.
public func fuzzInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
    size > 0 ? Array(UnsafeBufferPointer(start: data, count: size)) : []
}

/// Runs libFuzzer's driver on this executable's `LLVMFuzzerTestOneInput`. SwiftPM links every executable with
/// `--defsym main=<module>_main`, so each target defines that symbol and calls this instead of using libFuzzer's
/// own `main`.
public func runLibFuzzer(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in LLVMFuzzerTestOneInput(data, size) }
}
