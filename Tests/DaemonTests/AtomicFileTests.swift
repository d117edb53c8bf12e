import Testing

@testable import Daemon

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct AtomicFileTests {
    func mode(of path: String) -> mode_t {
        var info = stat()
        _ = stat(path, &info)
        return info.st_mode & 0o7777
    }

    @Test func writesContentWithModeAndNoLeftovers() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let path = dir.file("identity.key")
        try AtomicFile.write([1, 2, 3], to: path, mode: 0o600)
        #expect(try AtomicFile.read(path, maxBytes: 100) == [1, 2, 3])
        #expect(mode(of: path) == 0o600)
        try AtomicFile.write(Array("replaced".utf8), to: path, mode: 0o600)
        #expect(try AtomicFile.read(path, maxBytes: 100) == Array("replaced".utf8))
        #expect(dir.entries() == ["identity.key"])
        try AtomicFile.write([], to: dir.file("empty"), mode: 0o640)
        #expect(try AtomicFile.read(dir.file("empty"), maxBytes: 0) == [])
        #expect(mode(of: dir.file("empty")) == 0o640)
    }

    @Test func failureLeavesNothingBehind() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        // Renaming a file over a non-empty directory fails after the temp file was written.
        let target = dir.file("occupied")
        #expect(mkdir(target, 0o700) == 0)
        try AtomicFile.write([9], to: target + "/inner", mode: 0o600)
        do {
            try AtomicFile.write([1], to: target, mode: 0o600)
            Issue.record("expected an error")
        } catch {
            #expect(error.path == target)
            #expect(error.description.hasPrefix("\(target): cannot rename temporary file over: "))
        }
        #expect(dir.entries() == ["occupied"])
        _ = unlink(target + "/inner")
    }

    @Test func failsInMissingOrUnwritableDirectory() throws {
        do {
            try AtomicFile.write([1], to: "/nonexistent-waystone-dir/key", mode: 0o600)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .system(errno: ENOENT))
            #expect(error.description.contains("/nonexistent-waystone-dir/key.tmp-"))
            #expect(error.description.contains("No such file or directory"))
        }
        // Permission bits do not stop root; only check them as an ordinary user.
        guard geteuid() != 0 else { return }
        let dir = TempDirectory()
        defer { chmod(dir.path, 0o700); dir.remove() }
        chmod(dir.path, 0o500)
        #expect(throws: FileError.self) { try AtomicFile.write([1], to: dir.file("key"), mode: 0o600) }
        #expect(dir.entries().isEmpty)
    }

    @Test func readLimits() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        try AtomicFile.write(Array(repeating: 7, count: 10), to: dir.file("f"), mode: 0o600)
        #expect { try AtomicFile.read(dir.file("f"), maxBytes: 9) } throws: {
            ($0 as? FileError)?.kind == .tooLarge(limit: 9)
        }
        #expect { try AtomicFile.read(dir.path, maxBytes: 9) } throws: {
            ($0 as? FileError)?.kind == .notARegularFile
        }
    }

    @Test func dataDirectory() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let data = dir.file("data")
        #expect(try DataDirectory.ensure(data) == [])
        #expect(mode(of: data) == 0o700)
        #expect(try DataDirectory.ensure(data) == [])
        chmod(data, 0o755)
        let warnings = try DataDirectory.ensure(data)
        #expect(warnings == ["data directory \(data) has mode 0755; 0700 is recommended (not changed)"])
        #expect(mode(of: data) == 0o755)

        try AtomicFile.write([1], to: dir.file("file"), mode: 0o600)
        #expect { try DataDirectory.ensure(dir.file("file")) } throws: {
            ($0 as? FileError)?.description == "\(dir.file("file")): exists but is not a directory"
        }
        #expect { try DataDirectory.ensure(dir.file("missing/child")) } throws: {
            ($0 as? FileError)?.kind == .system(errno: ENOENT)
        }
    }
}
