import CLinux
import Glibc

@testable import WaystoneRuntime

/// Mutable state shared between a test and its loop callbacks (all on one thread).
final class Box<Value> {
    var value: Value
    init(_ value: Value) { self.value = value }
}

enum TestSupport {
    static let loopbackV4 = SocketAddress.parseOrDie("127.0.0.1:0")
    static let loopbackV6 = SocketAddress.parseOrDie("[::1]:0")

    /// A non-blocking AF_UNIX stream socketpair.
    static func socketPair() -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        let result = socketpair(AF_UNIX, waystone_sock_stream(), 0, &fds)
        precondition(result == 0, "socketpair failed: \(errno)")
        return (fds[0], fds[1])
    }

    /// Runs `loop` until a callback stops it or `timeoutMilliseconds` pass; returns false on timeout.
    @discardableResult
    static func run(_ loop: EventLoop, timeoutMilliseconds: UInt64 = 5000) throws -> Bool {
        let timedOut = Box(false)
        let guardTimer = loop.schedule(afterNanoseconds: timeoutMilliseconds * 1_000_000) {
            timedOut.value = true
            loop.stop()
        }
        try loop.run()
        loop.cancel(guardTimer)
        return !timedOut.value
    }

    /// Writes all of `bytes` to a blocking-or-not fd, retrying short writes; returns bytes written before EAGAIN.
    @discardableResult
    static func rawWrite(_ fd: Int32, _ bytes: [UInt8]) -> Int {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + written, bytes.count - written, Int32(MSG_NOSIGNAL))
            }
            if count <= 0 { break }
            written += count
        }
        return written
    }

    /// Reads whatever is available (non-blocking) up to `limit` bytes.
    static func rawRead(_ fd: Int32, limit: Int = 1 << 20) -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while result.count < limit {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            result.append(contentsOf: buffer[0..<count])
        }
        return result
    }

    /// True if this host can bind ::1.
    static let ipv6Available: Bool = {
        let fd = socket(AF_INET6, waystone_sock_dgram(), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return loopbackV6.withSockAddr { bind(fd, $0, $1) } == 0
    }()

    /// A pattern of `count` bytes.
    static func pattern(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    }
}

extension SocketAddress {
    static func parseOrDie(_ text: String) -> SocketAddress {
        do { return try parse(text) } catch { preconditionFailure("\(error)") }
    }
}
