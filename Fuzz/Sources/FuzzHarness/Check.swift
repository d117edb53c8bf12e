import CLibFuzzer

/// An invariant of a fuzz target. Traps (so libFuzzer records the input in Fuzz/Crashes/<target>/) when false.
/// The replay tests in the main package define a `check` of the same shape that records a test issue instead.
@inline(__always)
func check(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #file, line: UInt = #line) {
    if !condition { fatalError("fuzz invariant violated: \(message())", file: file, line: line) }
}

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
