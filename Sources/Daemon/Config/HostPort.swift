#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A listen address written as `host:port`: an IPv4 literal (`0.0.0.0:3478`)
/// or a bracketed IPv6 literal (`[::]:3478`). Host names are not accepted.
public struct HostPort: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The address literal without brackets.
    public let host: String
    public let port: UInt16
    public let isIPv6: Bool

    public init?(host: String, port: UInt16) {
        if IPLiteral.isIPv4(host) {
            isIPv6 = false
        } else if IPLiteral.isIPv6(host) {
            isIPv6 = true
        } else {
            return nil
        }
        self.host = host
        self.port = port
    }

    /// Parses `a.b.c.d:port` or `[v6]:port` with a decimal port in 0...65535.
    public init?(parsing text: String) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
            guard IPLiteral.isIPv6(String(host)) else { return nil }
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard IPLiteral.isIPv4(String(host)) else { return nil }
        }
        guard let port = IPLiteral.parsePort(portText) else { return nil }
        self.init(host: String(host), port: port)
    }

    /// `host:port`, bracketing IPv6 hosts.
    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

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
        guard !text.isEmpty, text.utf8.count <= 5, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt16(text)
    }
}
