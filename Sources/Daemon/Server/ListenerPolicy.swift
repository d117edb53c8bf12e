import WaystoneRuntime

/// How a role binds the addresses of one `*.listen` key.
///
/// An IPv6 address the host cannot bind (no IPv6: `EAFNOSUPPORT`, `EADDRNOTAVAIL`) is skipped with a warning when
/// the key still has its default value, so the defaults (`0.0.0.0` and `[::]`) work on IPv4-only hosts. Any other
/// failure, and every failure of an explicitly configured address, stops the start (exit 2) with an error naming
/// the key and the address.
enum ListenerPolicy {
    struct BindError: Error, CustomStringConvertible {
        let description: String
    }

    static func bindAll<Listener>(
        _ addresses: [SocketAddress], key: String, isDefault: Bool,
        warn: (String) -> Void, bind: (SocketAddress) throws(RuntimeError) -> Listener
    ) throws(BindError) -> [Listener] {
        var listeners: [Listener] = []
        for address in addresses {
            do {
                listeners.append(try bind(address))
            } catch {
                if isDefault, address.isIPv6, error.isAddressFamilyUnsupported {
                    warn("\(key): skipping default listener \(address): this host has no IPv6 (\(error))")
                    continue
                }
                throw BindError(description: "cannot listen on \(key) \(address): \(error)")
            }
        }
        return listeners
    }
}
