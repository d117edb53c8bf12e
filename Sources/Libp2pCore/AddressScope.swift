extension Multiaddr {
    /// Whether the address is publicly routable: not loopback, private (RFC 1918), CGNAT (100.64/10), link-local,
    /// unspecified, IPv6 ULA (fc00::/7) or link-local (fe80::/10). DNS names count as public. Public servers never
    /// announce or dial the others unless configured to (`libp2p.allowPrivateAddresses`).
    public var isPublic: Bool {
        guard let ip = ipAddress else { return true }
        if ip.count == 4 {
            let (a, b) = (ip[0], ip[1])
            switch a {
            case 0, 10, 127: return false
            case 100 where b & 0xC0 == 64: return false
            case 169 where b == 254: return false
            case 172 where b & 0xF0 == 16: return false
            case 192 where b == 168: return false
            case 224...255: return false
            default: return true
            }
        }
        if ip.allSatisfy({ $0 == 0 }) || ip == [UInt8](repeating: 0, count: 15) + [1] { return false }
        if ip[0] & 0xFE == 0xFC { return false }
        if ip[0] == 0xFE && ip[1] & 0xC0 == 0x80 { return false }
        if ip[0] == 0xFF { return false }
        return true
    }
}
