import Libp2pCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The node's libp2p identity: an Ed25519 private key stored as the raw protobuf `PrivateKey` bytes of the
/// libp2p peer-id spec in `<dataDir>/identity.key` (mode 0600, data dir 0700).
///
/// A file that exists but cannot be read or parsed is an error and is never overwritten: the operator decides.
/// Key bytes never reach a log line or an error message.
public struct IdentityStore: Sendable {
    /// The largest identity file read (an Ed25519 key protobuf is 68 bytes; RSA keys would be a few KiB).
    public static let maxFileBytes = 16 * 1024
    public static let fileName = "identity.key"

    public let dataDirectory: String
    public var path: String { "\(dataDirectory)/\(Self.fileName)" }

    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }

    /// Loads the key, or creates and stores a new one when there is no file yet (first start).
    /// - Returns: the key, whether it was created now, and warnings for the log (e.g. loose permissions).
    public func loadOrCreate() throws(IdentityError) -> (key: Libp2pPrivateKey, created: Bool, warnings: [String]) {
        var warnings = try ensureDirectory()
        switch try read() {
        case .some(let (key, modeWarning)):
            if let modeWarning { warnings.append(modeWarning) }
            return (key, false, warnings)
        case .none:
            let key = Libp2pPrivateKey.generateEd25519()
            try write(key)
            return (key, true, warnings)
        }
    }

    /// Loads an existing key; a missing file is an error (`peer-id` must not create one).
    public func load() throws(IdentityError) -> Libp2pPrivateKey {
        guard let (key, _) = try read() else {
            throw IdentityError(
                "identity file \(path): no identity file (run `waystone keygen` or start the server once)")
        }
        return key
    }

    /// Creates a new key. An existing file is kept unless `force`; with `force` it is renamed to
    /// `identity.key.replaced-<unix seconds>` (with `-N` appended if that exists) first, so a key is never lost.
    /// - Returns: the new key and the path the old file was moved to, if any.
    public func generate(force: Bool) throws(IdentityError) -> (key: Libp2pPrivateKey, replacedPath: String?) {
        _ = try ensureDirectory()
        var replacedPath: String?
        var info = stat()
        if lstat(path, &info) == 0 {
            guard force else {
                throw IdentityError(
                    "identity file \(path): already exists; pass --force to replace it (the old file is kept aside)")
            }
            replacedPath = try moveAside()
        }
        let key = Libp2pPrivateKey.generateEd25519()
        try write(key)
        return (key, replacedPath)
    }

    /// Moves the current file to `identity.key.replaced-<unix seconds>[-N]` without ever replacing an existing file
    /// (link + unlink: `link` fails with EEXIST where `rename` would overwrite).
    private func moveAside() throws(IdentityError) -> String {
        let base = "\(path).replaced-\(time(nil))"
        for attempt in 0..<100 {
            let aside = attempt == 0 ? base : "\(base)-\(attempt)"
            if link(path, aside) == 0 {
                guard unlink(path) == 0 else {
                    throw IdentityError(
                        "identity file \(path): cannot remove it after copying it to \(aside): \(String(cString: strerror(errno)))"
                    )
                }
                return aside
            }
            guard errno == EEXIST else { break }
        }
        throw IdentityError("identity file \(path): cannot move the old key aside: \(String(cString: strerror(errno)))")
    }

    private func ensureDirectory() throws(IdentityError) -> [String] {
        do {
            return try DataDirectory.ensure(dataDirectory)
        } catch {
            throw IdentityError("data directory \(error.description)")
        }
    }

    /// nil when the file does not exist; throws for every other problem.
    private func read() throws(IdentityError) -> (Libp2pPrivateKey, String?)? {
        let bytes: [UInt8]
        do {
            bytes = try AtomicFile.read(path, maxBytes: Self.maxFileBytes)
        } catch {
            if case .system(let code) = error.kind, code == ENOENT, error.operation == "open" { return nil }
            throw IdentityError("identity file \(path): \(error.reason)")
        }
        let key: Libp2pPrivateKey
        do {
            key = try Libp2pPrivateKey(protobufBytes: bytes)
        } catch {
            throw IdentityError(
                "identity file \(path): not a usable libp2p private key (\(error)); the file was left as it is")
        }
        var info = stat()
        var warning: String?
        if stat(path, &info) == 0, info.st_mode & 0o077 != 0 {
            warning =
                "\(path) is readable by other users (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 600 it"
        }
        return (key, warning)
    }

    private func write(_ key: Libp2pPrivateKey) throws(IdentityError) {
        do {
            try AtomicFile.write(key.protobufBytes, to: path, mode: 0o600)
        } catch {
            throw IdentityError("identity file \(path): \(error.reason)")
        }
    }
}

/// An identity file that cannot be used. `description` is the one line printed before exit code 2.
public struct IdentityError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
