import Glibc
import Testing

@testable import WaystoneRuntime

@Suite struct SocketAddressTests {
    @Test func parsesIPv4() throws {
        let address = try SocketAddress.parse("1.2.3.4:80")
        #expect(address.host == "1.2.3.4")
        #expect(address.port == 80)
        #expect(!address.isIPv6)
        #expect(address.description == "1.2.3.4:80")
        #expect(try SocketAddress.parse("0.0.0.0:0").port == 0)
        #expect(try SocketAddress.parse("255.255.255.255:65535").port == 65535)
    }

    @Test func parsesIPv6() throws {
        let address = try SocketAddress.parse("[::1]:80")
        #expect(address.host == "::1")
        #expect(address.isIPv6)
        #expect(address.description == "[::1]:80")
        #expect(try SocketAddress.parse("[2001:db8::1]:4001").description == "[2001:db8::1]:4001")
        #expect(try SocketAddress.parse("[::]:0").host == "::")
    }

    @Test(arguments: [
        "", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:-1", "1.2.3.4:8a", "example.com:80", "::1:80",
        "[::1]80", "[::1:80", "[1.2.3.4]:80", "1.2.3:80", "1.2.3.4:123456", " 1.2.3.4:80", "[::1]:",
    ])
    func rejectsBadText(_ text: String) {
        do {
            _ = try SocketAddress.parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.operation == "parse address")
            #expect(error.description.contains("\"\(text)\""))
        }
    }

    @Test func roundTripsThroughSockaddr() throws {
        for text in ["10.0.0.1:9000", "[fe80::1]:1", "[::ffff:1.2.3.4]:5"] {
            let address = try SocketAddress.parse(text)
            var storage = sockaddr_storage()
            address.withSockAddr { pointer, length in
                withUnsafeMutableBytes(of: &storage) {
                    $0.copyMemory(from: UnsafeRawBufferPointer(start: pointer, count: Int(length)))
                }
            }
            #expect(SocketAddress(storage: storage) == address)
        }
    }

    @Test func errorDescriptionsNameTheAddress() {
        let error = RuntimeError(operation: "bind", address: "0.0.0.0:8888", errno: EADDRINUSE)
        #expect(error.description == "bind 0.0.0.0:8888: Address already in use")
        #expect(!error.isAddressFamilyUnsupported)
        #expect(RuntimeError(operation: "socket", errno: EAFNOSUPPORT).isAddressFamilyUnsupported)
        #expect(RuntimeError(operation: "bind", errno: EADDRNOTAVAIL).isAddressFamilyUnsupported)
    }
}

/// getifaddrs lists at least the loopback interface, with the requested port on every address.
@Test func interfaceAddressesIncludeLoopback() throws {
    let addresses = InterfaceAddresses.all(port: 4001)
    #expect(addresses.contains(try SocketAddress.parse("127.0.0.1:4001")))
    #expect(addresses.allSatisfy { $0.port == 4001 })
    #expect(Set(addresses).count == addresses.count)
}
