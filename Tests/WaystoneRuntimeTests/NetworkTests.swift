import CLinux
import Glibc
import Testing

@testable import WaystoneRuntime

/// TCP and UDP on loopback (port 0, bound port read back).
@Suite struct NetworkTests {
    @Test(arguments: ["127.0.0.1:0", "[::1]:0"])
    func tcpEchoAndOrderlyClose(_ text: String) throws {
        let address = try SocketAddress.parse(text)
        guard !address.isIPv6 || TestSupport.ipv6Available else { return }
        let loop = try EventLoop()
        defer { loop.close() }
        let serverSide = Box<TCPConnection?>(nil)
        let listener = try loop.listenTCP(address) { connection in
            serverSide.value = connection
            connection.onRead = { connection, bytes in connection.write(bytes) }
        }
        #expect(listener.localAddress.port != 0)
        #expect(listener.localAddress.isIPv6 == address.isIPv6)
        let echoed = Box<[UInt8]>([])
        let clientClose = Box<[RuntimeError?]>([])
        let payload = TestSupport.pattern(300_000)
        try loop.connectTCP(listener.localAddress) { result in
            guard case .success(let client) = result else {
                Issue.record("connect failed: \(result)")
                loop.stop()
                return
            }
            #expect(client.remoteAddress == listener.localAddress)
            client.onRead = { client, bytes in
                echoed.value.append(contentsOf: bytes)
                if echoed.value.count == payload.count { serverSide.value?.close() }
            }
            client.onClose = { _, error in
                clientClose.value.append(error)
                loop.stop()
            }
            client.write(payload)
        }
        #expect(try TestSupport.run(loop))
        #expect(echoed.value == payload)
        #expect(clientClose.value.count == 1)
        #expect(clientClose.value.first.flatMap { $0 } == nil)
        #expect(serverSide.value?.remoteAddress.isIPv6 == address.isIPv6)
    }

    @Test func closeAfterFlushDeliversEverythingThenEOF() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let payload = TestSupport.pattern(3 << 20)
        let listener = try loop.listenTCP(TestSupport.loopbackV4) { connection in
            connection.write(payload)
            connection.closeAfterFlush()
            connection.write([0xFF])  // ignored: closing
        }
        let received = Box(0)
        let closed = Box(false)
        try loop.connectTCP(listener.localAddress) { result in
            guard case .success(let client) = result else { return }
            client.onRead = { _, bytes in received.value += bytes.count }
            client.onClose = { _, error in
                #expect(error == nil)
                closed.value = true
                loop.stop()
            }
        }
        #expect(try TestSupport.run(loop))
        #expect(closed.value)
        #expect(received.value == payload.count)
    }

    @Test func connectToARefusedPortReportsAnError() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        // Find a free port, then close the listener so nothing listens there.
        let probe = try loop.listenTCP(TestSupport.loopbackV4) { _ in }
        let target = probe.localAddress
        probe.close()
        let outcome = Box<RuntimeError?>(nil)
        try loop.connectTCP(target) { result in
            if case .failure(let error) = result { outcome.value = error }
            loop.stop()
        }
        #expect(try TestSupport.run(loop))
        #expect(outcome.value?.errno == ECONNREFUSED)
        #expect(outcome.value?.operation == "connect")
        #expect(outcome.value?.description.hasPrefix("connect \(target): ") == true)
    }

    @Test func connectFromASourceAddressUsesIt() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let seenByServer = Box<[SocketAddress]>([])
        let clients = Box<[TCPConnection]>([])
        // Stop once both ends of all three connections exist: accepts and connect callbacks come in any order.
        func stopWhenAllConnected() {
            if seenByServer.value.count == 3 && clients.value.count == 3 { loop.stop() }
        }
        let listener = try loop.listenTCP(TestSupport.loopbackV4) { connection in
            seenByServer.value.append(connection.remoteAddress)
            stopWhenAllConnected()
        }
        let sources = ["127.0.0.2:0", "127.0.0.2:0", "127.0.0.3:0"]
        for text in sources {
            try loop.connectTCP(listener.localAddress, from: SocketAddress.parse(text)) { result in
                guard case .success(let client) = result else {
                    Issue.record("connect from \(text) failed: \(result)")
                    loop.stop()
                    return
                }
                clients.value.append(client)
                stopWhenAllConnected()
            }
        }
        #expect(try TestSupport.run(loop))
        let clientHosts = clients.value.map(\.localAddress.host).sorted()
        #expect(clientHosts == ["127.0.0.2", "127.0.0.2", "127.0.0.3"])
        #expect(seenByServer.value.map(\.host).sorted() == clientHosts)
        #expect(clients.value.allSatisfy { $0.localAddress.port != 0 })
        #expect(Set(clients.value.map(\.localAddress)).count == 3, "each connection has its own port")
        #expect(Set(seenByServer.value) == Set(clients.value.map(\.localAddress)))
    }

    @Test func connectFromAnAddressNotOnThisHostThrowsBind() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let listener = try loop.listenTCP(TestSupport.loopbackV4) { _ in Issue.record("nothing should connect") }
        let source = try SocketAddress.parse("192.0.2.1:0")  // TEST-NET-1: bind fails before any packet
        let calls = Box(0)
        do {
            try loop.connectTCP(listener.localAddress, from: source) { _ in calls.value += 1 }
            Issue.record("connect from \(source) did not throw")
        } catch {
            #expect(error.operation == "bind")
            #expect(error.errno == EADDRNOTAVAIL)
            #expect(error.description.hasPrefix("bind 192.0.2.1:0: "))
        }
        loop.schedule(afterNanoseconds: 20_000_000) { loop.stop() }
        try loop.run()
        #expect(calls.value == 0, "no callback after a synchronous failure")
    }

    @Test func connectTimeoutFires() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        // A listener with backlog 0 that never accepts; fill its queue so later SYNs are dropped. Not every kernel
        // drops them, so accept either a timeout or a success here, but never a second callback.
        let listener = try loop.listenTCP(TestSupport.loopbackV4, backlog: 0) { _ in }
        listener.acceptPauseNanoseconds = 0
        let calls = Box(0)
        try loop.connectTCP(listener.localAddress, timeoutNanoseconds: 1) { _ in
            calls.value += 1
        }
        loop.schedule(afterNanoseconds: 30_000_000) { loop.stop() }
        try loop.run()
        #expect(calls.value == 1)
    }

    @Test(.enabled(if: TestSupport.ipv6Available))
    func ipv4AndIPv6ListenersShareAPort() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let v4 = try loop.listenTCP(SocketAddress.parse("0.0.0.0:0")) { _ in }
        let v6 = try loop.listenTCP(SocketAddress.parse("[::]:0").withPort(v4.localAddress.port)) { _ in }
        #expect(v6.localAddress.port == v4.localAddress.port)
        #expect(v6.localAddress.isIPv6)
        // A second IPv4 listener on the same port still fails, naming the address.
        do {
            _ = try loop.listenTCP(SocketAddress.parse("0.0.0.0:0").withPort(v4.localAddress.port)) { _ in }
            Issue.record("second bind succeeded")
        } catch {
            #expect(error.errno == EADDRINUSE)
            #expect(error.description == "bind 0.0.0.0:\(v4.localAddress.port): Address already in use")
        }
    }

    @Test func acceptPausesOnEMFILEInsteadOfSpinning() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let accepted = Box<UInt64?>(nil)
        let listener = try loop.listenTCP(TestSupport.loopbackV4) { _ in
            accepted.value = loop.nowNanoseconds()
            loop.stop()
        }
        listener.acceptPauseNanoseconds = 100_000_000
        let calls = Box(0)
        let firstFailure = Box<UInt64?>(nil)
        listener.acceptFunction = { fd, address, length in
            calls.value += 1
            if calls.value == 1 {
                firstFailure.value = loop.nowNanoseconds()
                errno = EMFILE
                return -1
            }
            return waystone_accept4(fd, address, length)
        }
        try loop.connectTCP(listener.localAddress) { _ in }
        let callsDuringPause = Box(-1)
        loop.schedule(afterNanoseconds: 60_000_000) {
            callsDuringPause.value = calls.value
            #expect(listener.isAcceptPaused)
        }
        #expect(try TestSupport.run(loop))
        #expect(callsDuringPause.value == 1, "no accept attempts while paused")
        #expect(listener.acceptPauseCount == 1)
        #expect(!listener.isAcceptPaused)
        if let start = firstFailure.value, let end = accepted.value {
            #expect(end - start >= 100_000_000)
        } else {
            Issue.record("accept never failed or never succeeded")
        }
    }

    @Test(arguments: ["127.0.0.1:0", "[::1]:0"])
    func udpRoundTrip(_ text: String) throws {
        let address = try SocketAddress.parse(text)
        guard !address.isIPv6 || TestSupport.ipv6Available else { return }
        let loop = try EventLoop()
        defer { loop.close() }
        let server = try loop.bindUDP(address) { socket, bytes, sender in
            socket.send(Array(bytes.reversed()), to: sender)
        }
        let reply = Box<[UInt8]>([])
        let client = try loop.bindUDP(address) { socket, bytes, sender in
            #expect(sender == server.localAddress)
            reply.value = Array(bytes)
            loop.stop()
        }
        #expect(client.send([1, 2, 3, 4], to: server.localAddress))
        // Wrong family is refused, not crashed.
        let other = try SocketAddress.parse(address.isIPv6 ? "127.0.0.1:9" : "[::1]:9")
        #expect(!client.send([1], to: other))
        #expect(try TestSupport.run(loop))
        #expect(reply.value == [4, 3, 2, 1])
        client.close()
        #expect(!client.send([1], to: server.localAddress))
    }

    /// Many datagrams arriving at once are read in batches and answered from the callback through one batched send
    /// per batch: every reply arrives, in order per sender, with the right payload.
    @Test func udpBatchedEchoAnswersEveryDatagram() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let address = try SocketAddress.parse("127.0.0.1:0")
        let server = try loop.bindUDP(address) { socket, bytes, sender in
            #expect(socket.send(bytes, to: sender))
        }
        let total = 200
        let replies = Box<[UInt8]>([])
        let client = try loop.bindUDP(address) { _, bytes, _ in
            replies.value.append(contentsOf: bytes)
            if replies.value.count == total { loop.stop() }
        }
        // More than one batch is waiting when the server wakes.
        for index in 0..<total { #expect(client.send([UInt8(truncatingIfNeeded: index)], to: server.localAddress)) }
        #expect(try TestSupport.run(loop))
        #expect(replies.value == (0..<total).map { UInt8(truncatingIfNeeded: $0) })
        #expect(server.failedSends == 0)
    }

    /// A datagram longer than the socket's maximum is dropped and counted, never delivered cut short.
    @Test func udpOversizedDatagramIsCountedNotDelivered() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let address = try SocketAddress.parse("127.0.0.1:0")
        let delivered = Box<[Int]>([])
        let server = try loop.bindUDP(address, maxDatagramBytes: 100) { _, bytes, _ in
            delivered.value.append(bytes.count)
            if bytes.count == 1 { loop.stop() }
        }
        let client = try loop.bindUDP(address) { _, _, _ in }
        #expect(client.send([UInt8](repeating: 7, count: 100), to: server.localAddress))
        #expect(client.send([UInt8](repeating: 7, count: 101), to: server.localAddress))
        #expect(client.send([1], to: server.localAddress))
        #expect(try TestSupport.run(loop))
        #expect(delivered.value == [100, 1])
        #expect(server.truncatedDatagrams == 1)
    }
}
