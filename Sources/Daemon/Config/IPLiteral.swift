#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// IP literal and port checks shared by the config validators.
enum IPLiteral {
    /// True for a dotted-quad IPv4 literal accepted by `inet_pton(AF_INET)`.
    static func isIPv4(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 15 else { return false }
        var addr = in_addr()
        return inet_pton(AF_INET, text, &addr) == 1
    }

    /// True for an IPv6 literal (no brackets, no zone) accepted by `inet_pton(AF_INET6)`.
    static func isIPv6(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 45 else { return false }
        var addr = in6_addr()
        return inet_pton(AF_INET6, text, &addr) == 1
    }

    /// Strict decimal port: 1-5 ASCII digits, value 0...65535.
    static func parsePort(_ text: Substring) -> UInt16? {
        guard !text.isEmpty, text.utf8.count <= 5, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return nil
        }
        return UInt16(text)
    }
}
