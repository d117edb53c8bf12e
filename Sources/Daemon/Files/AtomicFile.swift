#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Crash-safe whole-file writes and bounded reads.
public enum AtomicFile {
    /// Replaces `path` with `bytes` atomically: writes `<name>.tmp-<pid>-<random>` in the same
    /// directory (created with `O_EXCL` and exactly `mode`), fsyncs it, renames it over `path`
    /// and fsyncs the directory. On any failure the temporary file is removed and `path` is untouched.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws(FileError) {
        let (directory, name) = split(path)
        let tempPath = "\(directory)/\(name).tmp-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        let fd = open(tempPath, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileError.system("create temporary file", tempPath) }
        var closed = false
        do throws(FileError) {
            // Enforce the exact mode regardless of the process umask (key files must be 0600).
            guard fchmod(fd, mode) == 0 else { throw FileError.system("chmod", tempPath) }
            try writeAll(fd, bytes, path: tempPath)
            guard fsync(fd) == 0 else { throw FileError.system("fsync", tempPath) }
            closed = true
            guard close(fd) == 0 else { throw FileError.system("close", tempPath) }
            guard rename(tempPath, path) == 0 else { throw FileError.system("rename temporary file over", path) }
        } catch {
            if !closed { _ = close(fd) }
            _ = unlink(tempPath)
            throw error
        }
        try syncDirectory(directory)
    }

    /// Reads the whole file, failing with `.tooLarge` beyond `maxBytes` and `.notARegularFile`
    /// for directories, devices and FIFOs.
    public static func read(_ path: String, maxBytes: Int) throws(FileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else { throw FileError.system("open", path) }
        defer { _ = close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileError.system("stat", path) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw FileError(path: path, operation: "read", kind: .notARegularFile)
        }
        guard info.st_size <= maxBytes else {
            throw FileError(path: path, operation: "read", kind: .tooLarge(limit: maxBytes))
        }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError.system("read", path)
            }
            if n == 0 { return result }
            guard result.count + n <= maxBytes else {
                throw FileError(path: path, operation: "read", kind: .tooLarge(limit: maxBytes))
            }
            result.append(contentsOf: chunk[0..<n])
        }
    }

    /// Splits into (directory, last component); `name` → (".", "name").
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(FileError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError.system("write", path)
            }
            offset += n
        }
    }

    private static func syncDirectory(_ directory: String) throws(FileError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError.system("open directory", directory) }
        defer { _ = close(fd) }
        guard fsync(fd) == 0 else { throw FileError.system("fsync directory", directory) }
    }
}
