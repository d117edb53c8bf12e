/// What the STUN server answers with. Limits that need a clock or sockets (rate, TCP connections, idle time) are
/// enforced by the daemon (the per-IP limiter is `Limits.PerIPRateLimiter`).
public struct STUNServerConfig: Sendable, Hashable {
    /// SOFTWARE attribute text; nil (the default) sends none, keeping responses minimal. Truncated to 127 characters.
    public var software: String?
    /// The port of the primary sockets.
    public var primaryPort: UInt16
    /// RFC 5780: another port on the same IP(s). With it (or an alternate IP), responses carry RESPONSE-ORIGIN and
    /// OTHER-ADDRESS and CHANGE-REQUEST change-port is honoured.
    public var alternatePort: UInt16?
    /// RFC 5780: a second IPv4 address (change-IP for IPv4 clients); likewise `alternateIPv6`.
    public var alternateIPv4: [UInt8]?
    public var alternateIPv6: [UInt8]?
    /// The primary IPs. Needed only to name the primary address when answering on an alternate-IP socket; when nil,
    /// a request received on a primary-IP socket uses that socket's local address.
    public var primaryIPv4: [UInt8]?
    public var primaryIPv6: [UInt8]?
    /// Larger requests are dropped (UDP) or close the connection (TCP framer). RFC 8489 §6.1: 576 bytes fits every
    /// path; ICE Binding requests are ~100 bytes.
    public var maxRequestBytes: Int

    public init(
        software: String? = nil, primaryPort: UInt16 = 3478, alternatePort: UInt16? = nil,
        alternateIPv4: [UInt8]? = nil, alternateIPv6: [UInt8]? = nil, primaryIPv4: [UInt8]? = nil,
        primaryIPv6: [UInt8]? = nil, maxRequestBytes: Int = 576
    ) {
        self.software = software
        self.primaryPort = primaryPort
        self.alternatePort = alternatePort
        self.alternateIPv4 = alternateIPv4
        self.alternateIPv6 = alternateIPv6
        self.primaryIPv4 = primaryIPv4
        self.primaryIPv6 = primaryIPv6
        self.maxRequestBytes = maxRequestBytes
    }

    /// Whether any RFC 5780 alternate is configured for a client of this family.
    func hasAlternate(ipv6: Bool) -> Bool {
        alternatePort != nil || alternateIP(ipv6: ipv6) != nil
    }

    func alternateIP(ipv6: Bool) -> [UInt8]? {
        let ip = ipv6 ? alternateIPv6 : alternateIPv4
        guard let ip, ip.count == (ipv6 ? 16 : 4) else { return nil }
        return ip
    }

    func primaryIP(ipv6: Bool) -> [UInt8]? {
        let ip = ipv6 ? primaryIPv6 : primaryIPv4
        guard let ip, ip.count == (ipv6 ? 16 : 4) else { return nil }
        return ip
    }
}

/// Why a message got no response; a bounded metric label (snake_case raw values).
public enum STUNDropReason: String, Sendable, CaseIterable, Hashable {
    /// Not a well-formed STUN message: short, top bits set, bad length, attribute overrun, misplaced FINGERPRINT.
    case malformed
    /// A response or indication (a server only answers requests).
    case notRequest = "not_request"
    /// FINGERPRINT present but wrong.
    case badFingerprint = "bad_fingerprint"
    /// Over ``STUNServerConfig/maxRequestBytes``.
    case tooLarge = "too_large"
    /// Refused by the per-IP token bucket (`Limits.PerIPRateLimiter`); decided by the daemon.
    case rateLimited = "rate_limited"
    /// The source IP is in the penalty box (`Limits.PerIPRateLimiter`); decided by the daemon.
    case penalized
}

/// What to do with one request.
public enum STUNOutcome: Sendable, Hashable {
    /// For metrics: a success response or an error response with its code.
    public enum ResponseKind: Sendable, Hashable {
        case success
        case error(code: Int)
    }

    /// Send `bytes` to the request's source from the socket `from` (RFC 5780 CHANGE-REQUEST may pick another one).
    case respond(bytes: [UInt8], from: STUNSocketRole, kind: ResponseKind)
    /// Send nothing; count `reason`.
    case drop(STUNDropReason)
}
