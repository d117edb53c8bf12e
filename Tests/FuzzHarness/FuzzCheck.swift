/// How a harness reports a violated invariant. The harnesses in this module are shared by the libFuzzer targets in
/// Fuzz/ (which pass `.trap`, so libFuzzer records the input in Fuzz/Crashes/<target>/) and the corpus replay tests
/// (which record a test issue at the invariant's source location and go on).
public struct FuzzCheck: Sendable {
    /// A violated invariant: its message and where the harness checks it.
    public struct Failure: Sendable {
        public let message: String
        public let fileID: StaticString
        public let filePath: StaticString
        public let line: UInt
        public let column: UInt
    }

    private let report: @Sendable (Failure) -> Void

    public init(report: @escaping @Sendable (Failure) -> Void) {
        self.report = report
    }

    /// Traps with "fuzz invariant violated: <message>" (the fuzz executables).
    public static let trap = FuzzCheck { failure in
        fatalError("fuzz invariant violated: \(failure.message)", file: failure.fileID, line: failure.line)
    }

    /// An invariant of a fuzz target: reports when `condition` is false.
    @inline(__always)
    public func callAsFunction(
        _ condition: Bool, _ message: @autoclosure () -> String, fileID: StaticString = #fileID,
        filePath: StaticString = #filePath, line: UInt = #line, column: UInt = #column
    ) {
        if !condition {
            report(Failure(message: message(), fileID: fileID, filePath: filePath, line: line, column: column))
        }
    }
}
