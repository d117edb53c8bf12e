/// One multiaddr protocol: its multicodec code, text name, value size and value codec.
///
/// The table (``MultiaddrProtocol/all``) follows `multiformats/multiaddr:protocols.csv`, with
/// `memory` as go-multiaddr encodes it (fixed 8 bytes).
public struct MultiaddrProtocol: Hashable, Sendable, CustomStringConvertible {
    /// How the binary value is framed.
    public enum Size: Hashable, Sendable {
        /// No value.
        case none
        /// A fixed number of bytes.
        case fixed(bytes: Int)
        /// A uvarint length prefix, then that many bytes.
        case variable
    }

    /// How the value is written in text and checked in binary.
    public enum ValueKind: Hashable, Sendable {
        case none
        case ip4
        case ip6
        case port
        case ipcidr
        /// Non-empty UTF-8 without `/` (dns names, ip6zone, sni).
        case name
        case p2p
        case certhash
        /// The rest of the text address, leading `/` included in the bytes.
        case path
        /// Percent-encoded in text, raw bytes in binary.
        case httpPath
        case memory
        /// Known and framed, but no text codec here (onion, onion3, garlic64, garlic32).
        case opaque
    }

    public let code: UInt64
    public let name: String
    public let size: Size
    public let kind: ValueKind

    public var description: String { name }

    init(_ code: UInt64, _ name: String, _ size: Size, _ kind: ValueKind) {
        self.code = code
        self.name = name
        self.size = size
        self.kind = kind
    }

    public static let ip4 = MultiaddrProtocol(4, "ip4", .fixed(bytes: 4), .ip4)
    public static let tcp = MultiaddrProtocol(6, "tcp", .fixed(bytes: 2), .port)
    public static let ip6 = MultiaddrProtocol(41, "ip6", .fixed(bytes: 16), .ip6)
    public static let udp = MultiaddrProtocol(273, "udp", .fixed(bytes: 2), .port)
    public static let p2pCircuit = MultiaddrProtocol(290, "p2p-circuit", .none, .none)
    public static let p2p = MultiaddrProtocol(421, "p2p", .variable, .p2p)

    /// Every known protocol.
    public static let all: [MultiaddrProtocol] = [
        ip4,
        tcp,
        MultiaddrProtocol(33, "dccp", .fixed(bytes: 2), .port),
        ip6,
        MultiaddrProtocol(42, "ip6zone", .variable, .name),
        MultiaddrProtocol(43, "ipcidr", .fixed(bytes: 1), .ipcidr),
        MultiaddrProtocol(53, "dns", .variable, .name),
        MultiaddrProtocol(54, "dns4", .variable, .name),
        MultiaddrProtocol(55, "dns6", .variable, .name),
        MultiaddrProtocol(56, "dnsaddr", .variable, .name),
        MultiaddrProtocol(132, "sctp", .fixed(bytes: 2), .port),
        udp,
        MultiaddrProtocol(275, "p2p-webrtc-star", .none, .none),
        MultiaddrProtocol(276, "p2p-webrtc-direct", .none, .none),
        MultiaddrProtocol(277, "p2p-stardust", .none, .none),
        MultiaddrProtocol(280, "webrtc-direct", .none, .none),
        MultiaddrProtocol(281, "webrtc", .none, .none),
        p2pCircuit,
        MultiaddrProtocol(301, "udt", .none, .none),
        MultiaddrProtocol(302, "utp", .none, .none),
        MultiaddrProtocol(400, "unix", .variable, .path),
        p2p,
        MultiaddrProtocol(443, "https", .none, .none),
        MultiaddrProtocol(444, "onion", .fixed(bytes: 12), .opaque),
        MultiaddrProtocol(445, "onion3", .fixed(bytes: 37), .opaque),
        MultiaddrProtocol(446, "garlic64", .variable, .opaque),
        MultiaddrProtocol(447, "garlic32", .variable, .opaque),
        MultiaddrProtocol(448, "tls", .none, .none),
        MultiaddrProtocol(449, "sni", .variable, .name),
        MultiaddrProtocol(454, "noise", .none, .none),
        MultiaddrProtocol(460, "quic", .none, .none),
        MultiaddrProtocol(461, "quic-v1", .none, .none),
        MultiaddrProtocol(465, "webtransport", .none, .none),
        MultiaddrProtocol(466, "certhash", .variable, .certhash),
        MultiaddrProtocol(477, "ws", .none, .none),
        MultiaddrProtocol(478, "wss", .none, .none),
        MultiaddrProtocol(479, "p2p-websocket-star", .none, .none),
        MultiaddrProtocol(480, "http", .none, .none),
        MultiaddrProtocol(481, "http-path", .variable, .httpPath),
        MultiaddrProtocol(777, "memory", .fixed(bytes: 8), .memory),
    ]

    /// The protocol with multicodec `code`, or `nil`.
    public init?(code: UInt64) {
        guard let p = Self.all.first(where: { $0.code == code }) else { return nil }
        self = p
    }

    /// The protocol named `name` (`ipfs` is an alias of `p2p`), or `nil`.
    public init?<S: StringProtocol>(name: S) {
        let lookup = name == "ipfs" ? "p2p" : name
        guard let p = Self.all.first(where: { $0.name == lookup }) else { return nil }
        self = p
    }
}
