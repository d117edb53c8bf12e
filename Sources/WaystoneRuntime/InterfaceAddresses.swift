import Glibc

/// The host's interface addresses (getifaddrs), for expanding a listener bound to `0.0.0.0` or `::` into the
/// addresses peers can actually reach.
public enum InterfaceAddresses {
    /// Every IPv4 and IPv6 address of an interface that is up, with `port`. IPv6 link-local addresses carry their
    /// scope ID. Empty if the system call fails.
    public static func all(port: UInt16) -> [SocketAddress] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return [] }
        defer { freeifaddrs(head) }
        var result: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard entry.pointee.ifa_flags & UInt32(IFF_UP) != 0, let address = entry.pointee.ifa_addr else {
                continue
            }
            let family = Int32(address.pointee.sa_family)
            guard family == AF_INET || family == AF_INET6 else { continue }
            var storage = sockaddr_storage()
            let length = family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size
            withUnsafeMutableBytes(of: &storage) { target in
                target.copyMemory(from: UnsafeRawBufferPointer(start: address, count: length))
            }
            if let parsed = SocketAddress(storage: storage), !result.contains(parsed.withPort(port)) {
                result.append(parsed.withPort(port))
            }
        }
        return result
    }
}
