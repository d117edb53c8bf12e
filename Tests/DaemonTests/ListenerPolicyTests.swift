import Glibc
import Testing
import WaystoneRuntime

@testable import Daemon

@Suite struct ListenerPolicyTests {
    let v4 = try! SocketAddress.parse("0.0.0.0:3478")
    let v6 = try! SocketAddress.parse("[::]:3478")

    /// A bind that fails for IPv6 as a host without IPv6 does.
    func noIPv6(_ address: SocketAddress) throws(RuntimeError) -> SocketAddress {
        if address.isIPv6 { throw RuntimeError(operation: "socket", address: "\(address)", errno: EAFNOSUPPORT) }
        return address
    }

    @Test func defaultIPv6ListenerIsSkippedWithAWarningOnAnIPv4OnlyHost() throws {
        var warnings: [String] = []
        let bound = try ListenerPolicy.bindAll(
            [v4, v6], key: "stun.listen", isDefault: true, warn: { warnings.append($0) }, bind: noIPv6)
        #expect(bound == [v4])
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("stun.listen") == true && warnings.first?.contains("[::]:3478") == true)
    }

    @Test func explicitIPv6ListenerFailsOnAnIPv4OnlyHost() {
        #expect(throws: ListenerPolicy.BindError.self) {
            try ListenerPolicy.bindAll([v4, v6], key: "stun.listen", isDefault: false, warn: { _ in }, bind: noIPv6)
        }
    }

    @Test func otherBindErrorsAlwaysFailNamingKeyAndAddress() {
        do {
            _ = try ListenerPolicy.bindAll([v4], key: "stun.listen", isDefault: true, warn: { _ in }) {
                (address: SocketAddress) throws(RuntimeError) -> SocketAddress in
                throw RuntimeError(operation: "bind", address: "\(address)", errno: EADDRINUSE)
            }
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("stun.listen 0.0.0.0:3478"))
            #expect(error.description.contains("Address already in use"))
        }
    }

    @Test func realSocketsBindBothFamiliesOnOnePort() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let first = try ListenerPolicy.bindAll(
            [try SocketAddress.parse("127.0.0.1:0")], key: "k", isDefault: true, warn: { _ in }
        ) { (address: SocketAddress) throws(RuntimeError) in try loop.listenTCP(address) { $0.close() } }
        let port = try #require(first.first?.localAddress.port)
        var warnings: [String] = []
        let both = try ListenerPolicy.bindAll(
            [try SocketAddress.parse("[::1]:\(port)")], key: "k", isDefault: true, warn: { warnings.append($0) }
        ) { (address: SocketAddress) throws(RuntimeError) in try loop.listenTCP(address) { $0.close() } }
        // IPv6 is either there (V6ONLY lets it share the port) or skipped with a warning; never an error.
        #expect(both.count + warnings.count == 1)
    }
}
