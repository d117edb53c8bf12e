import CLinux
import Glibc
import Testing

@testable import WaystoneRuntime

/// Readiness, interest changes, EAGAIN, backpressure and stale-event handling on socketpairs.
@Suite struct StreamTests {
    let placeholder = SocketAddress.parseOrDie("0.0.0.0:0")

    @Test func readinessDeliversBytes() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let (a, b) = TestSupport.socketPair()
        defer { close(b) }
        let connection = try loop.adoptConnection(fd: a, remote: placeholder, local: placeholder)
        let received = Box<[UInt8]>([])
        connection.onRead = { _, bytes in
            received.value.append(contentsOf: bytes)
            if received.value.count == 5 { loop.stop() }
        }
        TestSupport.rawWrite(b, Array("hello".utf8))
        #expect(try TestSupport.run(loop))
        #expect(received.value == Array("hello".utf8))
    }

    @Test func pauseAndResumeReading() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let (a, b) = TestSupport.socketPair()
        defer { close(b) }
        let connection = try loop.adoptConnection(fd: a, remote: placeholder, local: placeholder)
        let received = Box<[UInt8]>([])
        connection.onRead = { _, bytes in
            received.value.append(contentsOf: bytes)
            loop.stop()
        }
        connection.pauseReading()
        #expect(connection.isReadingPaused)
        TestSupport.rawWrite(b, [1, 2, 3])
        #expect(try !TestSupport.run(loop, timeoutMilliseconds: 50))
        #expect(received.value.isEmpty)
        connection.resumeReading()
        #expect(try TestSupport.run(loop))
        #expect(received.value == [1, 2, 3])
    }

    @Test func syscallWrapperMapsEAGAIN() throws {
        let (a, b) = TestSupport.socketPair()
        defer { close(a); close(b) }
        var byte: UInt8 = 0
        let result = try Syscall.call { read(a, &byte, 1) }
        guard case .wouldBlock = result else {
            Issue.record("expected wouldBlock, got \(result)")
            return
        }
        do {
            _ = try Syscall.call { read(-1, &byte, 1) }
            Issue.record("read(-1) succeeded")
        } catch {
            #expect(error.errno == EBADF)
        }
    }

    @Test func writeQueuesWhatTheKernelRefuses() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let (a, b) = TestSupport.socketPair()
        defer { close(b) }
        let connection = try loop.adoptConnection(fd: a, remote: placeholder, local: placeholder)
        let payload = TestSupport.pattern(4 << 20)
        connection.write(payload)
        #expect(connection.queuedBytes > 0)
        #expect(connection.queuedBytes < payload.count)
        // Drain from the peer while the loop flushes; everything arrives in order.
        let received = Box<[UInt8]>([])
        let drained = Box(false)
        connection.onDrained = { _ in drained.value = true }
        func pump() {
            received.value += TestSupport.rawRead(b)
            if received.value.count >= payload.count {
                loop.stop()
            } else {
                loop.schedule(afterNanoseconds: 1_000_000, pump)
            }
        }
        loop.schedule(afterNanoseconds: 0, pump)
        #expect(try TestSupport.run(loop))
        #expect(received.value == payload)
        #expect(drained.value)
        #expect(connection.queuedBytes == 0)
    }

    /// Over the high-water mark reading pauses; at the low-water mark `onWritable` tells producers to go on.
    @Test func backpressurePausesReadingUntilDrained() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let (a, b) = TestSupport.socketPair()
        defer { close(b) }
        let connection = try loop.adoptConnection(fd: a, remote: placeholder, local: placeholder)
        connection.highWaterMark = 64 * 1024
        let events = Box<[String]>([])
        connection.onRead = { _, bytes in
            events.value.append("read \(bytes.count)")
            loop.stop()
        }
        connection.onDrained = { _ in events.value.append("drained") }
        connection.onWritable = { c in
            // The low-water mark: backpressure lifted, producers may write again.
            events.value.append(c.queuedBytes <= c.highWaterMark / 2 && !c.isBackpressured ? "writable" : "early")
        }
        // The peer does not read: the socket buffer fills and the queue climbs over the high-water mark.
        let payload = TestSupport.pattern(2 << 20)
        connection.write(payload)
        #expect(connection.queuedBytes > connection.highWaterMark)
        #expect(connection.isBackpressured)
        TestSupport.rawWrite(b, [9, 9, 9, 9])
        #expect(try !TestSupport.run(loop, timeoutMilliseconds: 50))
        #expect(events.value.isEmpty, "reading must pause while over the high-water mark")
        // Now the peer reads everything; the queue drains, backpressure lifts, and the 4 bytes are read.
        let received = Box(0)
        func pump() {
            received.value += TestSupport.rawRead(b).count
            if received.value < payload.count { loop.schedule(afterNanoseconds: 1_000_000, pump) }
        }
        loop.schedule(afterNanoseconds: 0, pump)
        #expect(try TestSupport.run(loop))
        received.value += TestSupport.rawRead(b, limit: .max).count  // what the kernel still held
        #expect(received.value == payload.count)
        #expect(events.value == ["writable", "drained", "read 4"])
        #expect(!connection.isBackpressured)
    }

    @Test func readBudgetSharesAWakeBetweenConnections() throws {
        let loop = try EventLoop(readBudgetPerWake: 1)
        defer { loop.close() }
        let (a1, b1) = TestSupport.socketPair()
        let (a2, b2) = TestSupport.socketPair()
        defer { close(b1); close(b2) }
        let first = try loop.adoptConnection(fd: a1, remote: placeholder, local: placeholder)
        let second = try loop.adoptConnection(fd: a2, remote: placeholder, local: placeholder)
        let order = Box<[Int]>([])
        let total = Box(0)
        let size = 2 * EventLoop.readChunkSize
        for (index, connection) in [first, second].enumerated() {
            connection.onRead = { _, bytes in
                order.value.append(index)
                total.value += bytes.count
                if total.value == 2 * size { loop.stop() }
            }
        }
        // Fill both before the loop runs, so each has several 64 KiB reads pending in the same wake.
        let written =
            TestSupport.rawWrite(b1, TestSupport.pattern(size)) + TestSupport.rawWrite(b2, TestSupport.pattern(size))
        #expect(written == 2 * size)
        #expect(try TestSupport.run(loop))
        // With a budget of one read per wake, neither connection gets two reads in a row while both have data.
        #expect(order.value.count >= 4)
        #expect(Set(order.value.prefix(2)) == [0, 1])
        #expect(Set(order.value.dropFirst(2).prefix(2)) == [0, 1])
    }

    @Test func runCannotBeNested() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let nestedError = Box<RuntimeError?>(nil)
        loop.schedule(afterNanoseconds: 0) {
            do throws(RuntimeError) { try loop.run() } catch { nestedError.value = error }
            loop.stop()
        }
        #expect(try TestSupport.run(loop))
        #expect(nestedError.value?.detail == "event loop is already running")
    }

    /// One attempt: two readable connections in one batch; the first callback closes the other and opens a new
    /// socket (usually getting the same fd number back). Returns whether the fd number was reused.
    private func staleEventAttempt() throws -> Bool {
        let loop = try EventLoop()
        defer { loop.close() }
        let (a1, b1) = TestSupport.socketPair()
        let (a2, b2) = TestSupport.socketPair()
        let peers = Box<[Int32]>([b1, b2])
        defer { peers.value.forEach { close($0) } }
        let first = try loop.adoptConnection(fd: a1, remote: placeholder, local: placeholder)
        let second = try loop.adoptConnection(fd: a2, remote: placeholder, local: placeholder)
        let log = Box<[String]>([])
        let replacement = Box<TCPConnection?>(nil)
        let reused = Box(false)
        func onRead(_ other: TCPConnection, _ name: String) {
            log.value.append("read \(name)")
            guard replacement.value == nil else { return }
            let oldFd = other.fd
            other.onRead = { _, _ in log.value.append("read closed") }
            other.close()
            let (fresh, freshPeer) = TestSupport.socketPair()
            peers.value.append(freshPeer)
            reused.value = oldFd == fresh
            let connection = try? loop.adoptConnection(fd: fresh, remote: placeholder, local: placeholder)
            connection?.onRead = { _, _ in log.value.append("read replacement") }
            replacement.value = connection
            loop.schedule(afterNanoseconds: 20_000_000) { loop.stop() }
        }
        first.onRead = { _, _ in onRead(second, "first") }
        second.onRead = { _, _ in onRead(first, "second") }
        TestSupport.rawWrite(b1, [1])
        TestSupport.rawWrite(b2, [2])
        #expect(try TestSupport.run(loop))
        #expect(log.value.count == 1, "only the first callback of the batch may run: \(log.value)")
        #expect(loop.staleEventCount == 1)
        return reused.value
    }

    @Test func eventsForAClosedAndReusedFdAreIgnored() throws {
        // Other tests open fds concurrently and may take the freed number first; retry until it is reused.
        var reusedOnce = false
        for _ in 0..<20 where !reusedOnce {
            reusedOnce = try staleEventAttempt()
        }
        #expect(reusedOnce, "the new socket never got the closed fd number back")
    }

    @Test func closeInsideCallbackStopsFurtherCallbacks() throws {
        let loop = try EventLoop(readBudgetPerWake: 4)
        defer { loop.close() }
        let (a, b) = TestSupport.socketPair()
        defer { close(b) }
        let connection = try loop.adoptConnection(fd: a, remote: placeholder, local: placeholder)
        let reads = Box(0)
        let closes = Box<[RuntimeError?]>([])
        connection.onRead = { connection, _ in
            reads.value += 1
            connection.close()
            connection.close()
        }
        connection.onClose = { _, error in
            closes.value.append(error)
            loop.stop()
        }
        TestSupport.rawWrite(b, TestSupport.pattern(300_000))
        #expect(try TestSupport.run(loop))
        #expect(reads.value == 1)
        #expect(closes.value.count == 1)
        #expect(connection.isClosed)
        connection.write([1, 2, 3])  // no-op after close
        #expect(connection.queuedBytes == 0)
    }

    @Test func shutdownWriteSendsEOFButKeepsReading() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let (a, b) = TestSupport.socketPair()
        defer { close(b) }
        let connection = try loop.adoptConnection(fd: a, remote: placeholder, local: placeholder)
        let received = Box<[UInt8]>([])
        connection.onRead = { _, bytes in
            received.value.append(contentsOf: bytes)
            loop.stop()
        }
        connection.write(Array("abc".utf8))
        connection.shutdownWrite()
        connection.write([1])  // ignored after shutdownWrite
        #expect(TestSupport.rawRead(b) == Array("abc".utf8))
        var byte: UInt8 = 0
        #expect(read(b, &byte, 1) == 0, "peer sees EOF")
        TestSupport.rawWrite(b, [7])
        #expect(try TestSupport.run(loop))
        #expect(received.value == [7])
        #expect(!connection.isClosed)
    }

    @Test func queueOverTheHardCapClosesWithENOBUFS() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let (a, b) = TestSupport.socketPair()
        defer { close(b) }
        let connection = try loop.adoptConnection(fd: a, remote: placeholder, local: placeholder)
        connection.maxQueuedBytes = 1 << 20
        let closeError = Box<RuntimeError?>(nil)
        connection.onClose = { _, error in
            closeError.value = error
            loop.stop()
        }
        for _ in 0..<8 { connection.write(TestSupport.pattern(512 * 1024)) }
        #expect(connection.isClosed)
        #expect(try TestSupport.run(loop))
        #expect(closeError.value?.errno == ENOBUFS)
    }

    @Test func peerEOFClosesWithNil() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let (a, b) = TestSupport.socketPair()
        let connection = try loop.adoptConnection(fd: a, remote: placeholder, local: placeholder)
        let closes = Box<[RuntimeError?]>([])
        connection.onClose = { _, error in
            closes.value.append(error)
            loop.stop()
        }
        close(b)
        #expect(try TestSupport.run(loop))
        #expect(closes.value.count == 1)
        #expect(closes.value.first! == nil)
    }

    @Test func loopCloseClosesConnections() throws {
        let loop = try EventLoop()
        let (a, b) = TestSupport.socketPair()
        defer { close(b) }
        let connection = try loop.adoptConnection(fd: a, remote: placeholder, local: placeholder)
        let closed = Box(0)
        connection.onClose = { _, _ in closed.value += 1 }
        loop.close()
        #expect(closed.value == 1)
        #expect(connection.isClosed)
        #expect(throws: RuntimeError.self) { try loop.run() }
    }
}

/// With a tiny high-water mark, reading resumes once the queue is empty (it must not stay paused forever).
@Test func smallHighWaterMarkReleasesBackpressure() throws {
    let placeholder = SocketAddress.parseOrDie("0.0.0.0:0")
    let loop = try EventLoop()
    defer { loop.close() }
    let (a, b) = TestSupport.socketPair()
    defer { close(b) }
    let connection = try loop.adoptConnection(fd: a, remote: placeholder, local: placeholder)
    connection.highWaterMark = 1
    let payload = TestSupport.pattern(2 << 20)
    connection.write(payload)
    #expect(connection.isBackpressured)
    var got = 0
    func pump() {
        got += TestSupport.rawRead(b).count
        if got >= payload.count { loop.stop() } else { loop.schedule(afterNanoseconds: 1_000_000, pump) }
    }
    loop.schedule(afterNanoseconds: 0, pump)
    #expect(try TestSupport.run(loop))
    #expect(connection.queuedBytes == 0)
    #expect(!connection.isBackpressured)
}

/// A socket opened from an `onClose` callback while the loop closes is refused, so no fd outlives the loop.
@Test func registrationsAreRefusedWhileTheLoopCloses() throws {
    let placeholder = SocketAddress.parseOrDie("0.0.0.0:0")
    let loop = try EventLoop()
    let (a, b) = TestSupport.socketPair()
    defer { close(b) }
    let connection = try loop.adoptConnection(fd: a, remote: placeholder, local: placeholder)
    var lateListenFailed = false
    connection.onClose = { _, _ in
        do {
            _ = try loop.listenTCP(SocketAddress.parseOrDie("127.0.0.1:0")) { $0.close() }
        } catch {
            lateListenFailed = true
        }
    }
    loop.close()
    #expect(lateListenFailed)
    #expect(loop.registrationCount <= 1)
}
