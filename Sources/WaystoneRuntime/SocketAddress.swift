import CLinux
import Glibc

/// An IPv4 or IPv6 socket address (IP literal plus port). No DNS: parsing accepts IP literals only.
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    /// The raw address bytes in network order: 4 for IPv4, 16 for IPv6.
    public let addressBytes: [UInt8]
    /// The port number.
    public let port: UInt16
    /// The IPv6 scope id (0 for IPv4 and for global IPv6 addresses).
    public let scopeID: UInt32

    /// Creates an address from raw bytes (4 or 16 of them) and a port.
    public init(addressBytes: [UInt8], port: UInt16, scopeID: UInt32 = 0) throws(RuntimeError) {
        guard addressBytes.count == 4 || addressBytes.count == 16 else {
            throw RuntimeError(
                operation: "make address", detail: "need 4 or 16 address bytes, got \(addressBytes.count)")
        }
        self.addressBytes = addressBytes
        self.port = port
        self.scopeID = addressBytes.count == 16 ? scopeID : 0
    }

    /// `0.0.0.0:port`.
    public static func anyIPv4(port: UInt16) -> SocketAddress {
        SocketAddress(validBytes: [0, 0, 0, 0], port: port)
    }

    private init(validBytes: [UInt8], port: UInt16) {
        addressBytes = validBytes
        self.port = port
        scopeID = 0
    }

    /// Parses "1.2.3.4:80", "[::1]:80" or "0.0.0.0:0". IP literals only (inet_pton); port 0...65535.
    public static func parse(_ text: String) throws(RuntimeError) -> SocketAddress {
        func failure(_ why: String) -> RuntimeError {
            RuntimeError(operation: "parse address", address: "\"\(text)\"", detail: why)
        }
        let hostPart: Substring
        let portPart: Substring
        let wantsIPv6: Bool
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw failure("missing ']'") }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.first == ":" else { throw failure("expected ':port' after ']'") }
            portPart = rest.dropFirst()
            wantsIPv6 = true
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw failure("expected host:port") }
            hostPart = text[..<colon]
            guard !hostPart.contains(":") else { throw failure("IPv6 addresses need brackets, as in [::1]:80") }
            portPart = text[text.index(after: colon)...]
            wantsIPv6 = false
        }
        guard !portPart.isEmpty, portPart.count <= 5, portPart.allSatisfy({ $0 >= "0" && $0 <= "9" }),
            let portValue = Int(portPart), portValue <= 65535
        else { throw failure("port must be a number 0...65535") }
        guard !hostPart.isEmpty, hostPart.utf8.count <= 64 else { throw failure("bad host") }
        let family = wantsIPv6 ? AF_INET6 : AF_INET
        var bytes = [UInt8](repeating: 0, count: wantsIPv6 ? 16 : 4)
        let ok = bytes.withUnsafeMutableBytes { buffer in
            inet_pton(family, String(hostPart), buffer.baseAddress)
        }
        guard ok == 1 else { throw failure(wantsIPv6 ? "not an IPv6 literal" : "not an IPv4 literal") }
        return try SocketAddress(addressBytes: bytes, port: UInt16(portValue))
    }

    /// True for IPv6 addresses.
    public var isIPv6: Bool { addressBytes.count == 16 }

    /// The address family constant (`AF_INET` or `AF_INET6`).
    var family: Int32 { isIPv6 ? AF_INET6 : AF_INET }

    /// "1.2.3.4" or "::1" (no brackets).
    public var host: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let result = addressBytes.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &text, socklen_t(INET6_ADDRSTRLEN))
        }
        guard result != nil else { return "?" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// "1.2.3.4:80" or "[::1]:80".
    public var description: String {
        isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The same address with another port.
    public func withPort(_ port: UInt16) -> SocketAddress {
        // Bytes are already validated, so this cannot fail.
        (try? SocketAddress(addressBytes: addressBytes, port: port, scopeID: scopeID)) ?? self
    }

    /// Reads an address from a `sockaddr_storage` filled by the kernel; nil for other families.
    public init?(storage: sockaddr_storage) {
        var storage = storage
        let family = Int32(storage.ss_family)
        if family == AF_INET {
            let sin = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in.self) }
            let bytes = withUnsafeBytes(of: sin.sin_addr) { Array($0) }
            self.addressBytes = bytes
            self.port = UInt16(bigEndian: sin.sin_port)
            self.scopeID = 0
        } else if family == AF_INET6 {
            let sin6 = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in6.self) }
            let bytes = withUnsafeBytes(of: sin6.sin6_addr) { Array($0) }
            self.addressBytes = bytes
            self.port = UInt16(bigEndian: sin6.sin6_port)
            self.scopeID = sin6.sin6_scope_id
        } else {
            return nil
        }
    }

    /// Calls `body` with this address as a `sockaddr` pointer and its length.
    func withSockAddr<R, E: Error>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws(E) -> R) throws(E) -> R {
        var storage = sockaddr_storage()
        let length: socklen_t
        if isIPv6 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            sin6.sin6_scope_id = scopeID
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: addressBytes) }
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: sin6, as: sockaddr_in6.self) }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        } else {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: addressBytes) }
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: sin, as: sockaddr_in.self) }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        }
        return try withUnsafePointer(to: &storage) { (pointer) throws(E) -> R in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (address) throws(E) -> R in
                try body(address, length)
            }
        }
    }

    /// The local address a socket is bound to.
    static func local(of fd: Int32) throws(SyscallError) -> SocketAddress {
        try query(fd, getsockname)
    }

    /// The peer address of a connected socket.
    static func remote(of fd: Int32) throws(SyscallError) -> SocketAddress {
        try query(fd, getpeername)
    }

    private static func query(
        _ fd: Int32, _ function: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
    ) throws(SyscallError) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try Syscall.blocking {
            withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { function(fd, $0, &length) }
            }
        }
        guard let address = SocketAddress(storage: storage) else { throw SyscallError(errno: EAFNOSUPPORT) }
        return address
    }
}
