import Daemon

// waystone: arguments → config → Daemon → exit code.
#if canImport(Glibc)
    import Glibc
#endif

/// The process environment as a dictionary (first occurrence wins).
func processEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var cursor = environ
    while let entry = cursor.pointee {
        let text = String(cString: entry)
        if let equals = text.firstIndex(of: "="), result[String(text[..<equals])] == nil {
            result[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        cursor += 1
    }
    return result
}

exit(WaystoneCommand.main(arguments: Array(CommandLine.arguments.dropFirst()), environment: processEnvironment()))
