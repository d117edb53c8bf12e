import Foundation
import Libp2pCore
import Metrics
import Node
import Testing

@testable import Daemon
@testable import WaystoneRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// A peer that stops reading its socket: the sending role's socket queue crosses its high-water mark, stream data
/// waits in the bounded Yamux queues (the service gets short writes, then `streamWritable` once the socket drained),
/// the connection stays within `maxBufferedBytesPerConnection` (default 1 MiB) and is not closed, and every byte
/// arrives in order. Real roles on loopback sockets.
@Suite(.serialized) struct Libp2pBackpressureTests {
    static let proto = "/test/firehose/1"
    /// Per stream; several streams, so more is in flight than the kernel's socket buffers take (each stream's
    /// window is 256 KiB without an RTT to tune it).
    static let total = 512 * 1024
    static let streams = 32

    /// The payload repeats with a prime period (a lost or reordered piece shows); slices of `table` are cheap to make
    /// and to compare in an unoptimized build.
    static let period = 65521
    static let table: [UInt8] = (0..<(period + 65536)).map { UInt8(truncatingIfNeeded: ($0 % period) &* 7) }

    static func chunk(at offset: Int, count: Int) -> ArraySlice<UInt8> {
        table[(offset % period)..<(offset % period + count)]
    }

    /// Writes `total` bytes on every inbound stream, as fast as the stream takes them.
    final class Firehose: Libp2pService, @unchecked Sendable {
        let protocols = [Libp2pBackpressureTests.proto]
        weak var host: (any Libp2pHost)?
        let shortWrites = Locked(0)
        let writable = Locked(0)
        /// `streamWritable` calls that came while one of our own writes was still running (must stay 0).
        let nested = Locked(0)
        private var writing = false
        private var sent: [UInt32: Int] = [:]

        func start(host: any Libp2pHost) { self.host = host }
        func streamOpened(_ session: Libp2pSession, _ id: UInt32, protocol: String, inbound: Bool) {
            // Small kernel buffers, so what the peer does not read piles up in our socket queue, not the kernel's.
            if let socket = session.connection as? TCPConnection {
                var size: Int32 = 32 * 1024
                setsockopt(socket.fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            }
            pump(session, id)
        }
        func streamWritable(_ session: Libp2pSession, _ id: UInt32) {
            writable.value += 1
            if writing { nested.value += 1 }
            pump(session, id)
        }
        private func pump(_ session: Libp2pSession, _ id: UInt32) {
            guard let host else { return }
            while sent[id, default: 0] < Libp2pBackpressureTests.total {
                let offset = sent[id, default: 0]
                let n = min(64 * 1024, Libp2pBackpressureTests.total - offset)
                let chunk = Libp2pBackpressureTests.chunk(at: offset, count: n)
                writing = true
                let accepted = host.write(session, id, chunk) ?? 0
                writing = false
                sent[id] = offset + accepted
                if accepted < n {
                    shortWrites.value += 1
                    return
                }
            }
            host.closeWrite(session, id)
        }
        func streamData(_ session: Libp2pSession, _ id: UInt32, _ bytes: ArraySlice<UInt8>) {}
        func streamFinished(_ session: Libp2pSession, _ id: UInt32) {}
        func streamReset(_ session: Libp2pSession, _ id: UInt32, code: UInt32) {}
        func streamOpenFailed(_ session: Libp2pSession, _ id: UInt32) {}
        func peerIdentified(_ session: Libp2pSession, _ peer: PeerID, _ entry: Peerstore.Entry) {}
        func connectionClosed(_ session: Libp2pSession) {}
        func bufferedBytes(of session: Libp2pSession) -> Int { 0 }
        func stop() {}
    }

    /// Opens the firehose stream, stops reading its socket for a while, then checks what arrives.
    final class Sink: Libp2pService, @unchecked Sendable {
        let protocols: [String] = []
        weak var host: (any Libp2pHost)?
        let received = Locked<[UInt32: Int]>([:])
        let intact = Locked(true)
        let finished = Locked(0)
        let closed = Locked(false)

        func start(host: any Libp2pHost) { self.host = host }
        func open(_ session: Libp2pSession) {
            guard let host else { return }
            for _ in 0..<Libp2pBackpressureTests.streams {
                _ = host.openStream(session, Libp2pBackpressureTests.proto, owner: self)
            }
            // The peer application is slow: its socket is not read for 500 ms.
            guard let socket = session.connection as? TCPConnection else { return }
            var size: Int32 = 32 * 1024
            setsockopt(socket.fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            socket.pauseReading()
            _ = host.schedule(afterNanoseconds: 500_000_000) { socket.resumeReading() }
        }
        func streamData(_ session: Libp2pSession, _ id: UInt32, _ bytes: ArraySlice<UInt8>) {
            let start = received.value[id, default: 0]
            var at = 0
            while at < bytes.count {
                let n = min(65536, bytes.count - at)
                let got = bytes[(bytes.startIndex + at)...].prefix(n)
                let same = got.withUnsafeBytes { g in
                    Libp2pBackpressureTests.chunk(at: start + at, count: n).withUnsafeBytes {
                        memcmp(g.baseAddress!, $0.baseAddress!, n) == 0
                    }
                }
                if !same { intact.value = false }
                at += n
            }
            received.value[id] = start + bytes.count
        }
        func streamFinished(_ session: Libp2pSession, _ id: UInt32) {
            finished.value += 1
            host?.closeWrite(session, id)
        }
        func streamOpened(_ session: Libp2pSession, _ id: UInt32, protocol: String, inbound: Bool) {}
        func streamReset(_ session: Libp2pSession, _ id: UInt32, code: UInt32) {}
        func streamOpenFailed(_ session: Libp2pSession, _ id: UInt32) {}
        func peerIdentified(_ session: Libp2pSession, _ peer: PeerID, _ entry: Peerstore.Entry) {}
        func connectionClosed(_ session: Libp2pSession) { closed.value = true }
        func bufferedBytes(of session: Libp2pSession) -> Int { 0 }
        func stop() {}
    }

    @Test func aPeerThatDoesNotReadFillsTheQueuesNotTheMemoryLimit() throws {
        let runner = try LoopRunner()
        let (firehose, sink) = (Firehose(), Sink())
        let registryA = MetricsRegistry()
        let keyA = Libp2pPrivateKey.generateEd25519()
        var config = WaystoneConfig().libp2p
        config.listen = ["/ip4/127.0.0.1/tcp/0"]
        config.allowPrivateAddresses = true
        #expect(config.limits.maxBufferedBytesPerConnection == 1 << 20)
        let roleA = try Libp2pRole(
            config: config, isDefaultListen: false, identity: keyA, loop: runner.loop,
            metrics: Libp2pMetrics(registry: registryA), warn: { _ in }, log: { _, _ in }, services: [firehose])
        let roleB = try Libp2pRole(
            config: config, isDefaultListen: false, identity: .generateEd25519(), loop: runner.loop,
            metrics: Libp2pMetrics(registry: MetricsRegistry()), warn: { _ in }, log: { _, _ in }, services: [sink])
        let addressA = try Multiaddr(try #require(roleA.boundAddresses.first))
        runner.start()
        defer { runner.stop() }
        let box = UncheckedBox((roleB, sink))
        runner.loop.execute {
            box.value.0.connect(to: keyA.peerID, at: addressA) { session in
                if let session { box.value.1.open(session) }
            }
        }
        #expect(waitUntil(timeout: 60) { sink.finished.value == Self.streams })
        #expect(sink.received.value.count == Self.streams)
        #expect(sink.received.value.values.allSatisfy { $0 == Self.total })
        #expect(sink.intact.value)
        #expect(!sink.closed.value)
        #expect(firehose.shortWrites.value > 0)
        #expect(firehose.writable.value > 0)
        #expect(firehose.nested.value == 0)
        let metrics = registryA.render()
        #expect((sampleValue(metrics, #"waystone_libp2p_backpressure_total{dir="inbound"}"#) ?? 0) >= 1)
        #expect(
            sampleValue(metrics, #"libp2p_rcmgr_blocked_resources{dir="inbound",scope="connection",resource="memory"}"#)
                == 0)
    }
}
