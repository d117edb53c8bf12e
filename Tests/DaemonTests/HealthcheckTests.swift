import Synchronization
import Testing
import WaystoneRuntime

@testable import Daemon

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct HealthcheckTests {
    @Test func statusCodeNeedsACompleteStatusLine() {
        #expect(Healthcheck.statusCode([]) == nil)
        #expect(Healthcheck.statusCode(Array("HTTP/1.1 20".utf8)) == nil)
        #expect(Healthcheck.statusCode(Array("HTTP/1.1 200 OK\r".utf8)) == nil)
        #expect(Healthcheck.statusCode(Array("HTTP/1.1 200 OK\r\n".utf8)) == 200)
        #expect(Healthcheck.statusCode(Array("HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n".utf8)) == 503)
        #expect(Healthcheck.statusCode(Array("HTTP/1.1 404\n".utf8)) == 404)
    }

    @Test(arguments: ["garbage\r\n", "SSH-2.0-OpenSSH_9.6\r\n", "HTTP/1.1 OK 200\r\n", "\r\n", "HTTP/2 200\r\n"])
    func statusCodeOfGarbageIsMinusOne(_ line: String) {
        #expect(Healthcheck.statusCode(Array(line.utf8)) == -1)
    }

    @Test func probeOfClosedPortFails() throws {
        let port = unusedLoopbackPort()
        let listen = try #require(try? SocketAddress.parse("127.0.0.1:\(port)"))
        let start = monotonicSeconds()
        let reason = Healthcheck.probe(listen)
        #expect(reason != nil)
        #expect(monotonicSeconds() - start < 4, "a refused connect should fail fast, not at the timeout")
    }

    /// A loop-thread server answering every connection with `response` and closing.
    func withServer(answering response: String, _ body: (UInt16) throws -> Void) throws {
        let runner = try LoopRunner()
        let requests = Mutex<[String]>([])
        let listener = try runner.loop.listenTCP(try SocketAddress.parse("127.0.0.1:0")) { connection in
            var received: [UInt8] = []
            connection.onRead = { (connection: TCPConnection, bytes: UnsafeRawBufferPointer) in
                received.append(contentsOf: bytes)
                if received.suffix(4) == [13, 10, 13, 10] {
                    let text = String(decoding: received, as: UTF8.self)
                    requests.withLock { $0.append(text) }
                    connection.write(Array(response.utf8))
                    connection.closeAfterFlush()
                }
            }
        }
        runner.start()
        defer {
            #expect(runner.stop(), "loop thread did not stop")
        }
        try body(listener.localAddress.port)
        let seen = requests.withLock { $0 }
        #expect(seen.count == 1)
        #expect(seen.first?.hasPrefix("GET /healthz HTTP/1.1\r\n") == true)
    }

    @Test func probeOf200IsHealthy() throws {
        try withServer(answering: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n") { port in
            let listen = try #require(try? SocketAddress.parse("127.0.0.1:\(port)"))
            #expect(Healthcheck.probe(listen) == nil)
        }
    }

    @Test func probeOfUnspecifiedHostUsesLoopback() throws {
        try withServer(answering: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") { port in
            let listen = try #require(try? SocketAddress.parse("0.0.0.0:\(port)"))
            #expect(Healthcheck.probe(listen) == nil)
        }
    }

    @Test func probeOf503IsUnhealthy() throws {
        try withServer(answering: "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n") { port in
            let listen = try #require(try? SocketAddress.parse("127.0.0.1:\(port)"))
            let reason = try #require(Healthcheck.probe(listen))
            #expect(reason.contains("503"))
        }
    }

    @Test func probeOfNonHTTPAnswerIsUnhealthy() throws {
        try withServer(answering: "SSH-2.0-nope\r\n") { port in
            let listen = try #require(try? SocketAddress.parse("127.0.0.1:\(port)"))
            let reason = Healthcheck.probe(listen)
            #expect(reason != nil)
        }
    }

    @Test func probeOfServerClosingWithoutAnswerIsUnhealthy() throws {
        try withServer(answering: "") { port in
            let start = monotonicSeconds()
            let listen = try #require(try? SocketAddress.parse("127.0.0.1:\(port)"))
            let reason = Healthcheck.probe(listen)
            #expect(reason != nil)
            #expect(monotonicSeconds() - start < 4)
        }
    }
}
