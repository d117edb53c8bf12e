/// A transport address (IPv4 or IPv6 plus port) as STUN carries it.
public struct STUNAddress: Hashable, Sendable, CustomStringConvertible {
    /// The IP address in network order: 4 bytes (IPv4) or 16 bytes (IPv6).
    public var bytes: [UInt8]
    public var port: UInt16

    /// Fails unless `bytes` holds 4 or 16 bytes.
    public init?(bytes: [UInt8], port: UInt16) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
        self.port = port
    }

    public var isIPv6: Bool { bytes.count == 16 }

    /// The address family as STUN encodes it: 0x01 IPv4, 0x02 IPv6.
    public var family: UInt8 { isIPv6 ? 0x02 : 0x01 }

    public var description: String {
        if !isIPv6 { return bytes.map { String($0) }.joined(separator: ".") + ":\(port)" }
        var groups: [String] = []
        for i in stride(from: 0, to: 16, by: 2) {
            groups.append(String(UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]), radix: 16))
        }
        return "[" + groups.joined(separator: ":") + "]:\(port)"
    }
}

/// The transport a STUN message arrived on.
public enum STUNTransport: Sendable, Hashable {
    case udp, tcp
}

/// Which of the server's sockets (RFC 5780): primary IP/primary port, primary IP/alternate port,
/// alternate IP/primary port, alternate IP/alternate port.
public struct STUNSocketRole: Hashable, Sendable, CustomStringConvertible {
    public var alternateIP: Bool
    public var alternatePort: Bool

    public init(alternateIP: Bool, alternatePort: Bool) {
        self.alternateIP = alternateIP
        self.alternatePort = alternatePort
    }

    public static let primary = STUNSocketRole(alternateIP: false, alternatePort: false)
    public static let alternatePortOnly = STUNSocketRole(alternateIP: false, alternatePort: true)
    public static let alternateIPOnly = STUNSocketRole(alternateIP: true, alternatePort: false)
    public static let alternateBoth = STUNSocketRole(alternateIP: true, alternatePort: true)
    /// The four roles, primary first.
    public static let all: [STUNSocketRole] = [.primary, .alternatePortOnly, .alternateIPOnly, .alternateBoth]

    public var description: String {
        "\(alternateIP ? "alternate" : "primary")-ip/\(alternatePort ? "alternate" : "primary")-port"
    }
}
