#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A file-system failure. `description` names the path and the errno text, e.g.
/// `/var/lib/waystone/identity.key: cannot open: Permission denied (errno 13)`.
public struct FileError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A system call failed with this errno.
        case system(errno: Int32)
        /// The file is larger than the caller's limit.
        case tooLarge(limit: Int)
        /// The path exists but is not a directory.
        case notADirectory
        /// The path is not a regular file.
        case notARegularFile
        /// The directory exists but the process cannot create files in it.
        case notWritable
    }

    public let path: String
    /// What was being attempted: `open`, `read`, `write`, `fsync`, `rename`, `mkdir`, `stat`, ...
    public let operation: String
    public let kind: Kind

    public init(path: String, operation: String, kind: Kind) {
        self.path = path
        self.operation = operation
        self.kind = kind
    }

    /// A failure of `operation` with the current `errno`.
    static func system(_ operation: String, _ path: String, errno code: Int32 = errno) -> FileError {
        FileError(path: path, operation: operation, kind: .system(errno: code))
    }

    /// The message without the path, e.g. `cannot open: No such file or directory (errno 2)`.
    public var reason: String {
        switch kind {
        case .system(let code): return "cannot \(operation): \(Self.errnoText(code)) (errno \(code))"
        case .tooLarge(let limit): return "larger than \(limit) bytes"
        case .notADirectory: return "exists but is not a directory"
        case .notARegularFile: return "not a regular file"
        case .notWritable: return "directory is not writable by this process"
        }
    }

    public var description: String { "\(path): \(reason)" }

    static func errnoText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "unknown error" }
        return String(cString: text)
    }
}
