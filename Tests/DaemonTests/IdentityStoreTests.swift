import Libp2pCore
import Testing

@testable import Daemon

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct IdentityStoreTests {
    /// A temp dir and a data dir below it that does not exist yet.
    struct Fixture {
        let root = TempDirectory()
        var dataDir: String { root.file("data") }
        var store: IdentityStore { IdentityStore(dataDirectory: dataDir) }
        var keyPath: String { dataDir + "/identity.key" }
        func entries() -> [String] { TempDirectory.entries(of: dataDir) }
        func cleanup() { removeTree(root.path) }
    }

    @Test func loadOrCreateCreatesKeyAndDirectoryWithTightModes() throws {
        let f = Fixture()
        defer { f.cleanup() }
        let first = try f.store.loadOrCreate()
        #expect(first.created)
        #expect(first.warnings.isEmpty)
        #expect(fileMode(f.dataDir) == 0o700)
        #expect(fileMode(f.keyPath) == 0o600)
        #expect(f.store.path == f.keyPath)
        #expect(f.entries() == ["identity.key"])

        let second = try f.store.loadOrCreate()
        #expect(!second.created)
        #expect(second.warnings.isEmpty)
        #expect(second.key.peerID == first.key.peerID)
        #expect(try f.store.load().peerID == first.key.peerID)
    }

    @Test func fileIsTheLibp2pPrivateKeyProtobuf() throws {
        let f = Fixture()
        defer { f.cleanup() }
        let created = try f.store.loadOrCreate()
        let bytes = try #require(readBytes(f.keyPath))
        #expect(bytes.count == 68)
        #expect(Array(bytes.prefix(4)) == [0x08, 0x01, 0x12, 0x40])
        #expect(bytes == created.key.protobufBytes)
        let parsed = try Libp2pPrivateKey(protobufBytes: bytes)
        #expect(parsed.peerID == created.key.peerID)
    }

    /// A 68-byte file with the right protobuf header but a public half that does not match the seed.
    static func mismatchedKeyBytes() -> [UInt8] {
        let seed = (0..<32).map { UInt8(0xA0 &+ $0) }
        let wrongPublic = (0..<32).map { UInt8(0x11 &+ $0) }
        return [0x08, 0x01, 0x12, 0x40] + seed + wrongPublic
    }

    static func corruptContents() -> [(String, [UInt8])] {
        let valid = Libp2pPrivateKey.generateEd25519().protobufBytes
        return [
            ("garbage", Array("this is not a key at all\n".utf8)),
            ("truncated", Array(valid.prefix(40))),
            ("empty", []),
            ("mismatched public half", mismatchedKeyBytes()),
            ("wrong key type", [0x08, 0x00, 0x12, 0x04, 1, 2, 3, 4]),
        ]
    }

    @Test func corruptFileThrowsAndIsLeftUntouched() throws {
        for (label, contents) in Self.corruptContents() {
            let f = Fixture()
            defer { f.cleanup() }
            try DataDirectory.ensure(f.dataDir)
            try AtomicFile.write(contents, to: f.keyPath, mode: 0o600)
            var description: String?
            do {
                let loaded = try f.store.loadOrCreate()
                Issue.record("\(label): loadOrCreate accepted a corrupt file (created=\(loaded.created))")
            } catch {
                description = error.description
            }
            #expect(description?.contains(f.keyPath) == true, "\(label)")
            #expect(readBytes(f.keyPath) == contents, "\(label): file changed")
            #expect(f.entries() == ["identity.key"], "\(label)")
            #expect(throws: IdentityError.self, "\(label)") { _ = try f.store.load() }
            #expect(readBytes(f.keyPath) == contents, "\(label): file changed by load()")
        }
    }

    @Test func errorDescriptionNeverContainsKeyBytes() throws {
        let f = Fixture()
        defer { f.cleanup() }
        try DataDirectory.ensure(f.dataDir)
        let bytes = Self.mismatchedKeyBytes()
        try AtomicFile.write(bytes, to: f.keyPath, mode: 0o600)
        let error = try #require(throws: IdentityError.self) { _ = try f.store.loadOrCreate() }
        let text = error.description
        let seed = Array(bytes[4..<36])
        #expect(!text.lowercased().contains(hexString(seed)))
        #expect(!text.lowercased().contains(hexString(Array(seed.prefix(8)))))
        #expect(!text.lowercased().contains(hexString(bytes)))
        #expect(!text.contains(String(decoding: bytes, as: UTF8.self)))
        #expect(!text.contains(String(decoding: seed, as: UTF8.self)))
        // Decimal byte lists (e.g. a dumped [UInt8]) would give this away too.
        #expect(!text.contains("160, 161, 162"))
    }

    @Test func loadOnMissingFileThrowsAndCreatesNothing() throws {
        let f = Fixture()
        defer { f.cleanup() }
        // Data dir missing: load() neither creates it nor a key.
        #expect(throws: IdentityError.self) { _ = try f.store.load() }
        #expect(!fileExists(f.dataDir))
        // Data dir present but empty.
        try DataDirectory.ensure(f.dataDir)
        let error = try #require(throws: IdentityError.self) { _ = try f.store.load() }
        #expect(error.description.contains("keygen"))
        #expect(f.entries().isEmpty)
    }

    @Test func generateWithoutForceKeepsExistingFile() throws {
        let f = Fixture()
        defer { f.cleanup() }
        let original = try f.store.loadOrCreate().key
        let before = try #require(readBytes(f.keyPath))
        let error = try #require(throws: IdentityError.self) { _ = try f.store.generate(force: false) }
        #expect(error.description.contains("--force"))
        #expect(readBytes(f.keyPath) == before)
        #expect(f.entries() == ["identity.key"])
        #expect(try f.store.load().peerID == original.peerID)
    }

    @Test func generateOnEmptyDirectoryCreatesKey() throws {
        let f = Fixture()
        defer { f.cleanup() }
        let (key, replaced) = try f.store.generate(force: false)
        #expect(replaced == nil)
        #expect(fileMode(f.keyPath) == 0o600)
        #expect(fileMode(f.dataDir) == 0o700)
        #expect(try f.store.load().peerID == key.peerID)
    }

    @Test func generateWithForceMovesOldKeyAside() throws {
        let f = Fixture()
        defer { f.cleanup() }
        let original = try f.store.loadOrCreate().key
        let before = try #require(readBytes(f.keyPath))
        let (key, replaced) = try f.store.generate(force: true)
        let aside = try #require(replaced)
        #expect(aside.hasPrefix(f.keyPath + ".replaced-"))
        #expect(UInt64(aside.dropFirst((f.keyPath + ".replaced-").count)) != nil)
        #expect(readBytes(aside) == before)
        #expect(key.peerID != original.peerID)
        #expect(readBytes(f.keyPath) == key.protobufBytes)
        #expect(fileMode(f.keyPath) == 0o600)
        #expect(try f.store.load().peerID == key.peerID)
        let entries = f.entries()
        #expect(entries.count == 2)
        #expect(entries.contains("identity.key"))
        #expect(entries.contains { $0.hasPrefix("identity.key.replaced-") })
    }

    /// `generate(force: true)` names the aside file `identity.key.replaced-<unix seconds>` and renames onto it
    /// without checking: a second forced keygen in the same second (or an existing file of that name) is
    /// overwritten, and that key is lost. Placeholders for the next few seconds make this deterministic.
    @Test func generateWithForceNeverOverwritesAnEarlierAsideFile() throws {
        let f = Fixture()
        defer { f.cleanup() }
        _ = try f.store.loadOrCreate()
        let now = time(nil)
        var placeholders: [String: [UInt8]] = [:]
        for second in now...(now + 5) {
            let path = "\(f.keyPath).replaced-\(second)"
            let bytes = Array("earlier key \(second)".utf8)
            try AtomicFile.write(bytes, to: path, mode: 0o600)
            placeholders[path] = bytes
        }
        let old = try #require(readBytes(f.keyPath))
        let (_, replaced) = try f.store.generate(force: true)
        let aside = try #require(replaced)
        #expect(readBytes(aside) == old, "the replaced key must be kept")
        for (path, bytes) in placeholders {
            #expect(readBytes(path) == bytes, "\(path) was overwritten")
        }
        #expect(TempDirectory.entries(of: f.dataDir).count == placeholders.count + 2)
    }

    @Test func looseKeyFileModeLoadsWithChmodWarning() throws {
        let f = Fixture()
        defer { f.cleanup() }
        try DataDirectory.ensure(f.dataDir)
        let key = Libp2pPrivateKey.generateEd25519()
        try AtomicFile.write(key.protobufBytes, to: f.keyPath, mode: 0o644)
        #expect(fileMode(f.keyPath) == 0o644)
        let loaded = try f.store.loadOrCreate()
        #expect(!loaded.created)
        #expect(loaded.key.peerID == key.peerID)
        #expect(loaded.warnings.count == 1)
        let warning = try #require(loaded.warnings.first)
        #expect(warning.contains("chmod"))
        #expect(warning.contains("644"))
        #expect(!warning.lowercased().contains(hexString(Array(key.protobufBytes[4..<36]))))
        // The mode is reported, never changed.
        #expect(fileMode(f.keyPath) == 0o644)
    }

    @Test func looseDataDirectoryModeIsAWarning() throws {
        let f = Fixture()
        defer { f.cleanup() }
        #expect(mkdir(f.dataDir, 0o755) == 0)
        chmod(f.dataDir, 0o755)
        let loaded = try f.store.loadOrCreate()
        #expect(loaded.created)
        #expect(loaded.warnings.contains { $0.contains("0755") })
        #expect(fileMode(f.dataDir) == 0o755)
    }
}
