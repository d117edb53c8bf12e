#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The daemon's data directory (identity key and state).
public enum DataDirectory {
    /// Makes sure `path` is a usable directory. Creates it with mode 0700 when missing (the
    /// parent must exist). Fails when it exists but is not a directory or is not writable.
    /// Returns warnings (e.g. group/other permissions) for the caller to log; it never chmods an
    /// existing directory.
    @discardableResult
    public static func ensure(_ path: String) throws(FileError) -> [String] {
        var info = stat()
        if stat(path, &info) != 0 {
            let code = errno
            guard code == ENOENT else { throw FileError.system("stat", path, errno: code) }
            guard mkdir(path, 0o700) == 0 else { throw FileError.system("create directory", path) }
            // mkdir honours the umask; we created it, so make the mode exactly 0700.
            guard chmod(path, 0o700) == 0 else { throw FileError.system("chmod", path) }
            return []
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw FileError(path: path, operation: "use as data directory", kind: .notADirectory)
        }
        guard access(path, W_OK | X_OK) == 0 else {
            throw FileError(path: path, operation: "use as data directory", kind: .notWritable)
        }
        var warnings: [String] = []
        let permissions = info.st_mode & 0o777
        if permissions & 0o077 != 0 {
            warnings.append(
                "data directory \(path) has mode 0\(String(permissions, radix: 8)); 0700 is recommended (not changed)")
        }
        return warnings
    }
}
