/// Interim multiaddr checks for the config, kept small and isolated so the real
/// multiaddr codec can replace them later without touching the schema.
enum MultiaddrSyntax {
    /// Protocols a multiaddr may start with.
    static let firstProtocols: Set<String> = ["ip4", "ip6", "dns", "dns4", "dns6"]

    /// A listen address this release can bind: `/ip4/<ipv4>/tcp/<port>` or `/ip6/<ipv6>/tcp/<port>`.
    static func isListenAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty, parts[3] == "tcp",
            IPLiteral.parsePort(parts[4]) != nil
        else { return false }
        switch parts[1] {
        case "ip4": return IPLiteral.isIPv4(String(parts[2]))
        case "ip6": return IPLiteral.isIPv6(String(parts[2]))
        default: return false
        }
    }

    /// A syntactically sane multiaddr: starts with `/`, the first protocol is one of
    /// `firstProtocols` with a valid value, followed by non-empty protocol/value pairs.
    /// Trailing value-less protocols (e.g. `/p2p-circuit`, `/quic-v1`) are allowed after the first pair.
    static func isSane(_ text: String) -> Bool {
        guard text.hasPrefix("/"), !text.hasSuffix("/"), text.utf8.count <= 1024,
            !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || $0.properties.isWhitespace })
        else { return false }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard parts.count >= 2, !parts.contains(where: \.isEmpty) else { return false }
        let proto = String(parts[parts.startIndex])
        let value = String(parts[parts.startIndex + 1])
        guard firstProtocols.contains(proto) else { return false }
        switch proto {
        case "ip4": guard IPLiteral.isIPv4(value) else { return false }
        case "ip6": guard IPLiteral.isIPv6(value) else { return false }
        default: guard value.utf8.count <= 253 else { return false }
        }
        // The rest are protocol names and values; which protocols take values is the codec's job,
        // so only non-empty, printable segments are required here.
        return true
    }
}
