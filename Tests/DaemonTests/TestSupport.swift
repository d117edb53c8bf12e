import Synchronization

@testable import Daemon

#if canImport(Glibc)
    import Glibc
#endif

/// Repository root, found from this file's path (Tests/DaemonTests/TestSupport.swift).
func repositoryRoot(_ file: String = #filePath) -> String {
    var parts = file.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}

/// A fresh temporary directory; removed (with its regular files) by `remove()`.
struct TempDirectory {
    let path: String

    init() {
        var template = Array("/tmp/waystone-tests-XXXXXX".utf8CString)
        let result = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard let result else { fatalError("mkdtemp failed") }
        path = String(cString: result)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func entries() -> [String] { Self.entries(of: path) }

    /// Names in `path` (not recursive), sorted; empty if it cannot be read.
    static func entries(of path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    func write(_ name: String, _ text: String) {
        try! AtomicFile.write(Array(text.utf8), to: file(name), mode: 0o644)
    }

    func remove() {
        for name in entries() {
            let p = file(name)
            if unlink(p) != 0 { _ = rmdir(p) }
        }
        rmdir(path)
    }
}

/// A log sink that keeps lines in memory.
final class CollectingSink: LogSink {
    private let storage = Mutex<[String]>([])
    var lines: [String] { storage.withLock { $0 } }
    func write(line: String) { storage.withLock { $0.append(line) } }
}
