#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Destination of formatted log lines. `write(line:)` receives one complete line
/// without the trailing newline and may be called from any thread.
public protocol LogSink: Sendable {
    func write(line: String)
}

/// Writes each line plus `\n` to a file descriptor (stderr by default) with as few `write(2)`
/// calls as possible: a line is one buffer, so lines up to `PIPE_BUF` never interleave with other
/// writers and longer lines are at least never split by this process's own logging.
public struct FileDescriptorLogSink: LogSink {
    public let fd: Int32

    public init(fd: Int32 = STDERR_FILENO) {
        self.fd = fd
    }

    public func write(line: String) {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return  // Nowhere to report a failing log sink; drop the line.
            }
            offset += n
        }
    }
}

/// Hands each line to a closure (tests, or forwarding to another logger).
public struct ClosureLogSink: LogSink {
    private let body: @Sendable (String) -> Void

    public init(_ body: @escaping @Sendable (String) -> Void) {
        self.body = body
    }

    public func write(line: String) { body(line) }
}
