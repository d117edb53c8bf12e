import STUN
import WaystoneRuntime

extension StunRole {
    /// What to bind: the pure server's configuration and, per RFC 5780 socket role, the addresses.
    struct Plan {
        var server: STUNServerConfig
        var sockets: [(role: STUNSocketRole, addresses: [SocketAddress])]
    }

    /// Checks the cross-key rules of `stun.*` and derives the sockets.
    ///
    /// RFC 5780 tells clients the server's other addresses, so with `stun.alternatePort` or
    /// `stun.alternateAddresses` every `stun.listen` address must be a specific IP (at most one IPv4 and one IPv6)
    /// on one port, and an alternate address needs `stun.alternatePort`.
    static func plan(_ config: WaystoneConfig.StunSection) throws(StartError) -> Plan {
        let listen = config.listen
        var server = STUNServerConfig(
            software: config.software.isEmpty ? nil : config.software, primaryPort: listen.first?.port ?? 3478,
            maxRequestBytes: config.limits.maxRequestBytes)
        var sockets: [(role: STUNSocketRole, addresses: [SocketAddress])] = [(.primary, listen)]
        guard config.alternatePort != 0 || !config.alternateAddresses.isEmpty else {
            return Plan(server: server, sockets: sockets)
        }
        guard config.alternatePort != 0 else {
            throw StartError(description: "stun.alternateAddresses needs stun.alternatePort (RFC 5780)")
        }
        let alternatePort = UInt16(clamping: config.alternatePort)
        for address in listen where address.addressBytes.allSatisfy({ $0 == 0 }) {
            throw StartError(
                description:
                    "stun.alternatePort needs specific stun.listen addresses (RFC 5780 tells clients the server's addresses); got \(address)"
            )
        }
        guard Set(listen.map(\.port)).count == 1, let port = listen.first?.port, port != alternatePort else {
            throw StartError(
                description:
                    "stun.alternatePort needs every stun.listen address on one port, other than stun.alternatePort")
        }
        let v4 = listen.filter { !$0.isIPv6 }
        let v6 = listen.filter { $0.isIPv6 }
        guard v4.count <= 1, v6.count <= 1 else {
            throw StartError(description: "stun.alternatePort allows at most one IPv4 and one IPv6 stun.listen address")
        }
        server.primaryPort = port
        server.alternatePort = alternatePort
        server.primaryIPv4 = v4.first?.addressBytes
        server.primaryIPv6 = v6.first?.addressBytes
        sockets.append((.alternatePortOnly, listen.map { $0.withPort(alternatePort) }))
        var alternateIPs: [SocketAddress] = []
        for text in config.alternateAddresses {
            let bracketed = text.contains(":") ? "[\(text)]:\(port)" : "\(text):\(port)"
            guard let address = try? SocketAddress.parse(bracketed) else {
                throw StartError(description: "stun.alternateAddresses: \(text) is not an IP literal")
            }
            guard listen.contains(where: { $0.isIPv6 == address.isIPv6 }) else {
                throw StartError(
                    description: "stun.alternateAddresses: \(text) has no stun.listen address of the same family")
            }
            guard !alternateIPs.contains(where: { $0.isIPv6 == address.isIPv6 }),
                !listen.contains(where: { $0.addressBytes == address.addressBytes })
            else {
                throw StartError(
                    description: "stun.alternateAddresses: at most one IPv4 and one IPv6, each other than stun.listen's"
                )
            }
            alternateIPs.append(address)
            if address.isIPv6 {
                server.alternateIPv6 = address.addressBytes
            } else {
                server.alternateIPv4 = address.addressBytes
            }
        }
        if !alternateIPs.isEmpty {
            sockets.append((.alternateIPOnly, alternateIPs))
            sockets.append((.alternateBoth, alternateIPs.map { $0.withPort(alternatePort) }))
        }
        return Plan(server: server, sockets: sockets)
    }
}
