import Daemon

/// The config file's JSON parser.
public enum ConfigHarness {
    /// `JSONParser.parse`: an accepted document, written compact or pretty, parses back to the same value.
    public static func json(_ bytes: [UInt8], check: FuzzCheck) {
        let parser = JSONParser(maxDepth: 32, maxBytes: 1 << 20)
        guard let value = try? parser.parse(bytes) else { return }
        check((try? parser.parse(value.compact())) == value, "compact() does not parse back to the same value")
        check((try? parser.parse(value.prettyPrinted())) == value, "prettyPrinted() does not parse back")
    }
}
