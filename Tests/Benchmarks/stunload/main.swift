// stunload: a STUN Binding load generator for `make bench-stun` (Tests/Benchmarks/stun.sh).
//
// Modes:
//   udp       closed loop, --inflight N requests outstanding over up to 8 connected UDP sockets,
//             batched with sendmmsg/recvmmsg
//   tcp       closed loop, --conns C TCP connections, --inflight N total (N/C pipelined per connection)
//   udp-rate  open loop, --rate R requests/s spread over 4 UDP sockets (latency under a fixed load)
// Every response is verified: Binding success (0x0101), magic cookie, length consistent with the datagram/frame,
// transaction ID of an outstanding request (on TCP: the next one, in order), and an XOR-MAPPED-ADDRESS equal to the
// generator socket's own address and port (getsockname). Anything else counts as `bad`.
// Requests are minimal 20-byte Binding requests (no attributes). IPv4 only.
// Output: one line of key=value pairs starting with "stunload". `--self-test` checks the verifier offline.
import Glibc

// MARK: - small helpers

@inline(__always) func nowNs() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

func note(_ message: String) {
    let line = "stunload: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
}

func fail(_ message: String) -> Never {
    let line = "stunload: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(2)
}

let magicCookie: UInt32 = 0x2112_A442

@inline(__always) func be16(_ p: UnsafeRawPointer, _ o: Int) -> UInt16 {
    UInt16(p.load(fromByteOffset: o, as: UInt8.self)) << 8 | UInt16(p.load(fromByteOffset: o + 1, as: UInt8.self))
}
@inline(__always) func be32(_ p: UnsafeRawPointer, _ o: Int) -> UInt32 {
    UInt32(be16(p, o)) << 16 | UInt32(be16(p, o + 2))
}
@inline(__always) func put16(_ p: UnsafeMutableRawPointer, _ o: Int, _ v: UInt16) {
    p.storeBytes(of: UInt8(v >> 8), toByteOffset: o, as: UInt8.self)
    p.storeBytes(of: UInt8(v & 0xff), toByteOffset: o + 1, as: UInt8.self)
}
@inline(__always) func put32(_ p: UnsafeMutableRawPointer, _ o: Int, _ v: UInt32) {
    put16(p, o, UInt16(v >> 16))
    put16(p, o + 2, UInt16(v & 0xffff))
}

/// Transaction ID layout: 4 bytes run nonce, 4 bytes slot (UDP) or connection index (TCP), 4 bytes sequence number.
@inline(__always) func writeRequest(_ p: UnsafeMutableRawPointer, nonce: UInt32, slot: UInt32, seq: UInt32) {
    put16(p, 0, 0x0001)  // Binding request
    put16(p, 2, 0)  // no attributes
    put32(p, 4, magicCookie)
    put32(p, 8, nonce)
    put32(p, 12, slot)
    put32(p, 16, seq)
}

// MARK: - response verification

enum Bad: Int, CaseIterable {
    case short = 0, notBindingSuccess, noCookie, badLength, foreignTxid, attributeOverrun, noXorMapped, badFamily,
        wrongAddress, wrongPort, staleTxid, framing
    var name: String {
        [
            "short", "not_binding_success", "no_cookie", "bad_length", "foreign_txid", "attr_overrun", "no_xor_mapped",
            "bad_family", "wrong_address", "wrong_port", "stale_txid", "framing",
        ][rawValue]
    }
}

/// Header check: returns nil when the header is a plausible Binding success of this run, else the reason.
/// `length` is the number of bytes available (datagram size, or frame size on TCP).
@inline(__always) func checkHeader(_ p: UnsafeRawPointer, _ length: Int, nonce: UInt32) -> Bad? {
    if length < 20 { return .short }
    if be16(p, 0) != 0x0101 { return .notBindingSuccess }
    if be32(p, 4) != magicCookie { return .noCookie }
    let len = Int(be16(p, 2))
    if len & 3 != 0 || len + 20 != length { return .badLength }
    if be32(p, 8) != nonce { return .foreignTxid }
    return nil
}

/// Body check: XOR-MAPPED-ADDRESS must be present, IPv4, and equal to (addr, port) (host byte order values).
@inline(__always) func checkMapped(_ p: UnsafeRawPointer, _ length: Int, addr: UInt32, port: UInt16) -> Bad? {
    var o = 20
    while o + 4 <= length {
        let t = be16(p, o)
        let l = Int(be16(p, o + 2))
        if o + 4 + l > length { return .attributeOverrun }
        if t == 0x0020 {
            if l != 8 || p.load(fromByteOffset: o + 5, as: UInt8.self) != 1 { return .badFamily }
            let xport = be16(p, o + 6) ^ UInt16(magicCookie >> 16)
            let xaddr = be32(p, o + 8) ^ magicCookie
            if xaddr != addr { return .wrongAddress }
            if xport != port { return .wrongPort }
            return nil
        }
        o += 4 + ((l + 3) & ~3)
    }
    if o != length { return .attributeOverrun }
    return .noXorMapped
}

// MARK: - statistics

final class Stats {
    static let buckets = 200_000  // 1 µs buckets up to 200 ms; beyond that goes to the last bucket
    var hist = [UInt32](repeating: 0, count: Stats.buckets + 1)
    var ok = 0
    var bad = [Int](repeating: 0, count: Bad.allCases.count)
    var lost = 0
    var sendErrors = 0
    var reconnects = 0  // TCP connections the server closed (EOF/reset), replaced by new ones
    var closed = 0  // TCP connections that died (closed by the server, error, bad framing)
    var sent = 0
    var answered = 0  // every response received, warm-up included (the script divides it by server CPU time)
    var measuring = false

    @inline(__always) func record(_ ns: UInt64) {
        guard measuring else { return }
        ok += 1
        let us = Int(ns / 1000)
        hist[us < Stats.buckets ? us : Stats.buckets] &+= 1
    }
    @inline(__always) func bad(_ b: Bad) { if measuring { bad[b.rawValue] += 1 } }
    func reset() {
        for i in hist.indices { hist[i] = 0 }
        ok = 0
        lost = 0
        sendErrors = 0
        sent = 0
        for i in bad.indices { bad[i] = 0 }
    }
    func percentile(_ q: Double) -> Int {
        if ok == 0 { return -1 }
        let target = max(1, Int((Double(ok) * q).rounded(.up)))
        var acc = 0
        for (i, c) in hist.enumerated() {
            acc += Int(c)
            if acc >= target { return i }
        }
        return Stats.buckets
    }
    var badTotal: Int { bad.reduce(0, +) }
}

// MARK: - sockets

struct Endpoint {
    var sa = sockaddr_in()
}

func parseEndpoint(_ s: String) -> Endpoint {
    guard let colon = s.lastIndex(of: ":"), let port = UInt16(s[s.index(after: colon)...]) else {
        fail("bad address \(s) (want IPv4:port)")
    }
    var e = Endpoint()
    e.sa.sin_family = sa_family_t(AF_INET)
    e.sa.sin_port = port.bigEndian
    if inet_pton(AF_INET, String(s[..<colon]), &e.sa.sin_addr) != 1 { fail("bad IPv4 address in \(s)") }
    return e
}

/// Creates a connected socket; returns fd and its own address (host byte order) for the mapped-address check.
func connectedSocket(_ type: Int32, to server: Endpoint) -> (fd: Int32, addr: UInt32, port: UInt16) {
    let fd = socket(AF_INET, type, 0)
    if fd < 0 { fail("socket: \(String(cString: strerror(errno)))") }
    var sa = server.sa
    let rc = withUnsafePointer(to: &sa) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    if rc != 0 { fail("connect: \(String(cString: strerror(errno)))") }
    var me = sockaddr_in()
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &me) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    var big: Int32 = 4 << 20
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, socklen_t(MemoryLayout<Int32>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, socklen_t(MemoryLayout<Int32>.size))
    return (fd, UInt32(bigEndian: me.sin_addr.s_addr), UInt16(bigEndian: me.sin_port))
}

// sendmmsg/recvmmsg: Glibc's Swift module does not export them (they need _GNU_SOURCE), so look them up at run time
// and describe struct mmsghdr ourselves (msghdr followed by an unsigned int; the stride pads it like C does).
struct MMsgHdr {
    var hdr = msghdr()
    var len: UInt32 = 0
}
typealias SendMMsg = @convention(c) (Int32, UnsafeMutableRawPointer?, UInt32, Int32) -> Int32
typealias RecvMMsg = @convention(c) (Int32, UnsafeMutableRawPointer?, UInt32, Int32, UnsafeMutableRawPointer?) -> Int32
let libc = dlopen(nil, RTLD_NOW)
let sendmmsgFn: SendMMsg? = dlsym(libc, "sendmmsg").map { unsafeBitCast($0, to: SendMMsg.self) }
let recvmmsgFn: RecvMMsg? = dlsym(libc, "recvmmsg").map { unsafeBitCast($0, to: RecvMMsg.self) }
// ppoll (also _GNU_SOURCE) for sub-millisecond waits in the paced mode.
typealias PPoll =
    @convention(c) (UnsafeMutablePointer<pollfd>?, nfds_t, UnsafePointer<timespec>?, UnsafeRawPointer?) -> Int32
let ppollFn: PPoll =
    dlsym(libc, "ppoll").map { unsafeBitCast($0, to: PPoll.self) } ?? { fds, n, ts, _ in
        poll(fds, n, Int32((ts?.pointee.tv_nsec ?? 0) / 1_000_000))
    }

/// A fixed set of message headers and buffers for batched datagram I/O on connected sockets.
final class Batch {
    let count: Int
    let size: Int
    let msgs: UnsafeMutablePointer<MMsgHdr>
    let iovs: UnsafeMutablePointer<iovec>
    let bufs: UnsafeMutableRawPointer
    init(count: Int, size: Int) {
        self.count = count
        self.size = size
        msgs = .allocate(capacity: count)
        iovs = .allocate(capacity: count)
        bufs = .allocate(byteCount: count * size, alignment: 16)
        for i in 0..<count {
            iovs[i] = iovec(iov_base: bufs + i * size, iov_len: size)
            msgs[i] = MMsgHdr()
            msgs[i].hdr.msg_iov = iovs + i
            msgs[i].hdr.msg_iovlen = 1
        }
    }
    @inline(__always) func buf(_ i: Int) -> UnsafeMutableRawPointer { bufs + i * size }

    /// Sends the first n buffers as 20-byte datagrams. Returns how many were sent.
    func send(_ fd: Int32, _ n: Int) -> Int {
        if n == 0 { return 0 }
        for i in 0..<n { iovs[i].iov_len = 20 }
        if let f = sendmmsgFn {
            var done = 0
            while done < n {
                let r = f(fd, UnsafeMutableRawPointer(msgs + done), UInt32(n - done), 0)
                if r <= 0 { break }
                done += Int(r)
            }
            return done
        }
        var done = 0
        for i in 0..<n where Glibc.send(fd, buf(i), 20, 0) == 20 { done += 1 }
        return done
    }

    /// Receives up to `count` datagrams without blocking; lengths in msgs[i].len. Returns how many.
    func receive(_ fd: Int32) -> Int {
        if let f = recvmmsgFn {
            for i in 0..<count { iovs[i].iov_len = size }
            let r = f(fd, UnsafeMutableRawPointer(msgs), UInt32(count), Int32(MSG_DONTWAIT), nil)
            return r > 0 ? Int(r) : 0
        }
        var n = 0
        while n < count {
            let r = recv(fd, buf(n), size, Int32(MSG_DONTWAIT))
            if r < 0 { break }
            msgs[n].len = UInt32(r)
            n += 1
        }
        return n
    }
}

// MARK: - UDP (closed loop and paced)

struct UdpSock {
    var fd: Int32
    var addr: UInt32
    var port: UInt16
}

final class UdpLoad {
    let nonce: UInt32
    let stats: Stats
    let socks: [UdpSock]
    let slots: Int
    var seq: [UInt32]
    var sentAt: [UInt64]
    var outstanding: [Bool]
    let sendBatch = Batch(count: 256, size: 20)
    let recvBatch = Batch(count: 64, size: 1500)
    let timeoutNs: UInt64
    var expectPortOffset: UInt16 = 0

    init(server: Endpoint, sockets: Int, slots: Int, nonce: UInt32, stats: Stats, timeoutNs: UInt64) {
        self.nonce = nonce
        self.stats = stats
        self.slots = slots
        self.timeoutNs = timeoutNs
        socks = (0..<sockets).map { _ in
            let s = connectedSocket(Int32(SOCK_DGRAM.rawValue), to: server)
            return UdpSock(fd: s.fd, addr: s.addr, port: s.port)
        }
        seq = [UInt32](repeating: 0, count: slots)
        sentAt = [UInt64](repeating: 0, count: slots)
        outstanding = [Bool](repeating: false, count: slots)
    }

    /// Sends the given slots on socket s (in batches of 256).
    func sendSlots(_ s: Int, _ list: ArraySlice<Int>, at t: UInt64) {
        var i = list.startIndex
        while i < list.endIndex {
            let n = min(sendBatch.count, list.endIndex - i)
            for k in 0..<n {
                let slot = list[i + k]
                seq[slot] &+= 1
                sentAt[slot] = t
                outstanding[slot] = true
                writeRequest(sendBatch.buf(k), nonce: nonce, slot: UInt32(slot), seq: seq[slot])
            }
            let done = sendBatch.send(socks[s].fd, n)
            if stats.measuring {
                stats.sent += done
                stats.sendErrors += n - done
            }
            i += n
        }
    }

    /// Drains socket s; verifies each datagram; appends the freed slots to `freed`.
    func drain(_ s: Int, into freed: inout [Int]) -> Int {
        var total = 0
        let sock = socks[s]
        let expectPort = sock.port &+ expectPortOffset
        while true {
            let n = recvBatch.receive(sock.fd)
            if n == 0 { break }
            total += n
            stats.answered += n
            let t = nowNs()
            for i in 0..<n {
                let p = UnsafeRawPointer(recvBatch.buf(i))
                let len = Int(recvBatch.msgs[i].len)
                if let b = checkHeader(p, len, nonce: nonce) {
                    stats.bad(b)
                    continue
                }
                let slot = Int(be32(p, 12))
                if slot >= slots || !outstanding[slot] || be32(p, 16) != seq[slot] {
                    stats.bad(.staleTxid)
                    continue
                }
                outstanding[slot] = false
                freed.append(slot)
                if let b = checkMapped(p, len, addr: sock.addr, port: expectPort) {
                    stats.bad(b)
                } else {
                    stats.record(t &- sentAt[slot])
                }
            }
            if n < recvBatch.count { break }
        }
        return total
    }

    /// Closed loop: `inflight` requests outstanding at all times, slots spread over the sockets.
    func runClosed(inflight: Int, warmupNs: UInt64, durationNs: UInt64) -> UInt64 {
        let nsock = socks.count
        var pfds = socks.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        let start = nowNs()
        // slot -> socket: slot % nsock
        for s in 0..<nsock { sendSlots(s, Array(stride(from: s, to: inflight, by: nsock))[...], at: start) }
        let measureAt = start + warmupNs
        let end = measureAt + durationNs
        var nextScan = start + timeoutNs / 4
        var freed: [Int] = []
        freed.reserveCapacity(1024)
        while true {
            let t = nowNs()
            if !stats.measuring && t >= measureAt {
                stats.reset()
                stats.measuring = true
            }
            if t >= end { break }
            let rc = poll(&pfds, nfds_t(nsock), 5)
            if rc > 0 {
                for s in 0..<nsock where pfds[s].revents != 0 {
                    freed.removeAll(keepingCapacity: true)
                    _ = drain(s, into: &freed)
                    sendSlots(s, freed[...], at: nowNs())
                }
            }
            let t2 = nowNs()
            if t2 >= nextScan {
                nextScan = t2 + timeoutNs / 4
                for s in 0..<nsock {
                    freed.removeAll(keepingCapacity: true)
                    for slot in stride(from: s, to: inflight, by: nsock)
                    where outstanding[slot] && t2 &- sentAt[slot] > timeoutNs {
                        if stats.measuring { stats.lost += 1 }
                        freed.append(slot)
                    }
                    sendSlots(s, freed[...], at: t2)
                }
            }
        }
        return end - measureAt
    }

    /// Open loop at a fixed rate; slots used round robin, a slot still outstanding when reused counts as lost.
    func runPaced(rate: Double, warmupNs: UInt64, durationNs: UInt64) -> UInt64 {
        let nsock = socks.count
        var pfds = socks.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        let start = nowNs()
        let measureAt = start + warmupNs
        let end = measureAt + durationNs
        var issued = 0
        var perSock = [[Int]](repeating: [], count: nsock)
        var freed: [Int] = []
        freed.reserveCapacity(1024)
        while true {
            let t = nowNs()
            if !stats.measuring && t >= measureAt {
                stats.reset()
                stats.measuring = true
            }
            if t >= end { break }
            let due = Int(Double(t - start) * rate / 1e9)
            if due > issued {
                let n = min(due - issued, 4096)
                for s in 0..<nsock { perSock[s].removeAll(keepingCapacity: true) }
                for k in 0..<n {
                    let slot = (issued + k) % slots
                    if outstanding[slot] {
                        if stats.measuring { stats.lost += 1 }
                        outstanding[slot] = false
                    }
                    perSock[slot % nsock].append(slot)
                }
                issued += n
                for s in 0..<nsock { sendSlots(s, perSock[s][...], at: t) }
            }
            freed.removeAll(keepingCapacity: true)
            for s in 0..<nsock { _ = drain(s, into: &freed) }
            // Sleep until the next request is due or a response arrives.
            let nextDue = start + UInt64((Double(issued + 1) * 1e9 / rate).rounded(.up))
            let now2 = nowNs()
            if nextDue > now2 {
                var ts = timespec(tv_sec: 0, tv_nsec: Int(min(nextDue - now2, 5_000_000)))
                _ = ppollFn(&pfds, nfds_t(nsock), &ts, nil)
            }
        }
        return end - measureAt
    }
}

// MARK: - TCP (pipelined)

final class TcpConn {
    var fd: Int32
    var addr: UInt32
    var port: UInt16
    var peerClosed = false  // EOF or reset from the server: reconnect (coturn closes STUN-only TCP after ~3 s)
    let index: UInt32
    let depth: Int
    var sendSeq: UInt32 = 0
    var recvSeq: UInt32 = 0
    var sentAt: [UInt64]
    var inbuf: UnsafeMutableRawPointer
    let cap = 1 << 16
    var fill = 0
    var dead = false
    init(server: Endpoint, index: UInt32, depth: Int) {
        let s = connectedSocket(Int32(SOCK_STREAM.rawValue), to: server)
        fd = s.fd
        addr = s.addr
        port = s.port
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        self.index = index
        self.depth = depth
        sentAt = [UInt64](repeating: 0, count: depth)
        inbuf = .allocate(byteCount: cap, alignment: 16)
    }
}

final class TcpLoad {
    let nonce: UInt32
    let stats: Stats
    let conns: [TcpConn]
    let out = UnsafeMutableRawPointer.allocate(byteCount: 20 * 4096, alignment: 16)
    var expectPortOffset: UInt16 = 0

    let server: Endpoint

    init(server: Endpoint, conns: Int, inflight: Int, nonce: UInt32, stats: Stats) {
        self.server = server
        self.nonce = nonce
        self.stats = stats
        let depth = max(1, inflight / conns)
        self.conns = (0..<conns).map { TcpConn(server: server, index: UInt32($0), depth: depth) }
    }

    func sendRequests(_ c: TcpConn, _ n: Int, at t: UInt64) {
        if n == 0 || c.dead { return }
        for k in 0..<n {
            writeRequest(out + 20 * k, nonce: nonce, slot: c.index, seq: c.sendSeq)
            c.sentAt[Int(c.sendSeq % UInt32(c.depth))] = t
            c.sendSeq &+= 1
        }
        var off = 0
        let total = 20 * n
        while off < total {
            let r = write(c.fd, out + off, total - off)
            if r <= 0 {
                if r < 0 && errno == EINTR { continue }
                if errno == ECONNRESET || errno == EPIPE {
                    c.peerClosed = true
                    return
                }
                note("TCP connection \(c.index): write: \(String(cString: strerror(errno)))")
                c.dead = true
                stats.sendErrors += 1
                return
            }
            off += r
        }
        if stats.measuring { stats.sent += n }
    }

    /// Reads what is available, verifies complete frames in order; returns how many responses were consumed.
    func readConn(_ c: TcpConn) -> Int {
        let r = recv(c.fd, c.inbuf + c.fill, c.cap - c.fill, Int32(MSG_DONTWAIT))
        if r <= 0 {
            if r == 0 || errno == ECONNRESET {
                c.peerClosed = true
            } else if errno != EAGAIN && errno != EINTR {
                note("TCP connection \(c.index): \(r == 0 ? "closed by the server" : String(cString: strerror(errno)))")
                c.dead = true
                stats.bad(.framing)
            }
            return 0
        }
        c.fill += r
        let t = nowNs()
        var o = 0
        var consumed = 0
        let expectPort = c.port &+ expectPortOffset
        while c.fill - o >= 20 {
            let p = UnsafeRawPointer(c.inbuf + o)
            let len = Int(be16(p, 2))
            if len & 3 != 0 || len > 2048 || p.load(as: UInt8.self) & 0xc0 != 0 {
                stats.bad(.framing)
                note("TCP connection \(c.index): bad frame header, closing")
                c.dead = true
                return consumed
            }
            if c.fill - o < 20 + len { break }
            o += 20 + len
            consumed += 1
            stats.answered += 1
            if let b = checkHeader(p, 20 + len, nonce: nonce) {
                stats.bad(b)
            } else if be32(p, 12) != c.index || be32(p, 16) != c.recvSeq {
                stats.bad(.staleTxid)
            } else if let b = checkMapped(p, 20 + len, addr: c.addr, port: expectPort) {
                stats.bad(b)
            } else {
                stats.record(t &- c.sentAt[Int(c.recvSeq % UInt32(c.depth))])
            }
            c.recvSeq &+= 1
        }
        if o > 0 {
            c.fill -= o
            if c.fill > 0 { memmove(c.inbuf, c.inbuf + o, c.fill) }
        }
        return consumed
    }

    func run(warmupNs: UInt64, durationNs: UInt64) -> UInt64 {
        var pfds = conns.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        let start = nowNs()
        for c in conns { sendRequests(c, c.depth, at: start) }
        let measureAt = start + warmupNs
        let end = measureAt + durationNs
        while true {
            let t = nowNs()
            if !stats.measuring && t >= measureAt {
                stats.reset()
                stats.measuring = true
            }
            if t >= end { break }
            if poll(&pfds, nfds_t(pfds.count), 5) <= 0 { continue }
            for (i, c) in conns.enumerated() where pfds[i].revents != 0 && !c.dead {
                let n = readConn(c)
                sendRequests(c, n, at: nowNs())
                if c.peerClosed && !c.dead {  // the server closed it: open a new one, in-flight requests are gone
                    close(c.fd)
                    let s = connectedSocket(Int32(SOCK_STREAM.rawValue), to: server)
                    var one: Int32 = 1
                    setsockopt(s.fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                    (c.fd, c.addr, c.port) = (s.fd, s.addr, s.port)
                    c.fill = 0
                    c.recvSeq = c.sendSeq
                    c.peerClosed = false
                    pfds[i].fd = c.fd
                    if stats.measuring { stats.reconnects += 1 }
                    sendRequests(c, c.depth, at: nowNs())
                }
                if c.dead { pfds[i].fd = -1 }
            }
        }
        stats.closed = conns.filter { $0.dead }.count
        return end - measureAt
    }
}

// MARK: - self-test of the verifier

func selfTest() -> Bool {
    let nonce: UInt32 = 0xdead_beef
    let addr: UInt32 = 0x7f00_0001
    let port: UInt16 = 40000
    // A coturn-like response: XOR-MAPPED-ADDRESS, MAPPED-ADDRESS.
    func response(addr a: UInt32 = addr, port pt: UInt16 = port, type: UInt16 = 0x0101, txNonce: UInt32 = nonce)
        -> [UInt8]
    {
        var b = [UInt8](repeating: 0, count: 20 + 12 + 12)
        b.withUnsafeMutableBytes { raw in
            let p = raw.baseAddress!
            put16(p, 0, type)
            put16(p, 2, 24)
            put32(p, 4, magicCookie)
            put32(p, 8, txNonce)
            put32(p, 12, 7)
            put32(p, 16, 1)
            put16(p, 20, 0x0020)
            put16(p, 22, 8)
            put16(p, 24, 0x0001)
            put16(p, 26, pt ^ 0x2112)
            put32(p, 28, a ^ magicCookie)
            put16(p, 32, 0x0001)
            put16(p, 34, 8)
            put16(p, 36, 0x0001)
            put16(p, 38, pt)
            put32(p, 40, a)
        }
        return b
    }
    func verdict(_ b: [UInt8]) -> Bad? {
        b.withUnsafeBytes { raw in
            let p = raw.baseAddress!
            return checkHeader(p, b.count, nonce: nonce) ?? checkMapped(p, b.count, addr: addr, port: port)
        }
    }
    var failures = 0
    func expect(_ name: String, _ b: [UInt8], _ want: Bad?) {
        let got = verdict(b)
        let ok = got == want
        if !ok { failures += 1 }
        print(
            "self-test \(ok ? "ok  " : "FAIL") \(name): got \(got?.name ?? "accepted"), want \(want?.name ?? "accepted")"
        )
    }
    expect("valid response", response(), nil)
    expect("wrong mapped address", response(addr: 0x7f00_0002), .wrongAddress)
    expect("wrong mapped port", response(port: port + 1), .wrongPort)
    expect("error response", response(type: 0x0111), .notBindingSuccess)
    expect("request echoed", response(type: 0x0001), .notBindingSuccess)
    expect("foreign transaction", response(txNonce: 1), .foreignTxid)
    var unx = response()
    unx[27] ^= 0x21  // port stored without the XOR
    expect("port not XORed", unx, .wrongPort)
    var noXor = response()
    noXor[21] = 0x01  // XOR-MAPPED-ADDRESS -> MAPPED-ADDRESS type: only plain MAPPED-ADDRESS left
    expect("only MAPPED-ADDRESS", noXor, .noXorMapped)
    expect("truncated", Array(response().dropLast(4)), .badLength)
    var overrun = response()
    overrun[23] = 40
    expect("attribute overrun", overrun, .attributeOverrun)
    var v6 = response()
    v6[25] = 2
    expect("IPv6 family with IPv4 length", v6, .badFamily)
    var cookie = response()
    cookie[4] = 0
    expect("no magic cookie", cookie, .noCookie)
    expect("short", [0x01, 0x01, 0, 0], .short)
    print("self-test: \(failures == 0 ? "PASS" : "FAIL (\(failures))")")
    return failures == 0
}

// MARK: - main

func usage() -> Never {
    print(
        """
        usage: stunload --server IP:PORT [--mode udp|tcp|udp-rate] [--inflight N] [--conns C] [--rate R]
                        [--sockets S] [--duration SECONDS] [--warmup SECONDS] [--timeout-ms MS]
                        [--expect-port-offset K]   (expect the wrong port: every response must count as bad)
               stunload --self-test
        """)
    exit(2)
}

var args = Array(CommandLine.arguments.dropFirst())
var opts: [String: String] = [:]
while let a = args.first {
    args.removeFirst()
    if a == "--self-test" { exit(selfTest() ? 0 : 1) }
    if a == "--help" || a == "-h" { usage() }
    guard a.hasPrefix("--"), let v = args.first else { usage() }
    args.removeFirst()
    opts[String(a.dropFirst(2))] = v
}
guard let serverText = opts["server"] else { usage() }
let server = parseEndpoint(serverText)
let mode = opts["mode"] ?? "udp"
let inflight = Int(opts["inflight"] ?? "16") ?? 16
let duration = Double(opts["duration"] ?? "5") ?? 5
let warmup = Double(opts["warmup"] ?? "0.5") ?? 0.5
let timeoutNs = UInt64((Double(opts["timeout-ms"] ?? "250") ?? 250) * 1e6)
let portOffset = UInt16(opts["expect-port-offset"] ?? "0") ?? 0
let nonce = UInt32.random(in: .min ... .max)
let stats = Stats()
let durationNs = UInt64(duration * 1e9)
let warmupNs = UInt64(warmup * 1e9)
var shape = ""
let measuredNs: UInt64
switch mode {
case "udp":
    let sockets = Int(opts["sockets"] ?? "") ?? min(inflight, 8)
    let load = UdpLoad(
        server: server, sockets: sockets, slots: inflight, nonce: nonce, stats: stats, timeoutNs: timeoutNs)
    load.expectPortOffset = portOffset
    shape = "inflight=\(inflight) sockets=\(sockets)"
    measuredNs = load.runClosed(inflight: inflight, warmupNs: warmupNs, durationNs: durationNs)
case "udp-rate":
    let rate = Double(opts["rate"] ?? "50000") ?? 50000
    let sockets = Int(opts["sockets"] ?? "") ?? 4
    let load = UdpLoad(
        server: server, sockets: sockets, slots: 1 << 17, nonce: nonce, stats: stats, timeoutNs: timeoutNs)
    load.expectPortOffset = portOffset
    shape = "rate=\(Int(rate)) sockets=\(sockets)"
    measuredNs = load.runPaced(rate: rate, warmupNs: warmupNs, durationNs: durationNs)
case "tcp":
    let conns = Int(opts["conns"] ?? "") ?? max(1, min(inflight, 16))
    let load = TcpLoad(server: server, conns: conns, inflight: inflight, nonce: nonce, stats: stats)
    load.expectPortOffset = portOffset
    shape = "inflight=\(conns * max(1, inflight / conns)) conns=\(conns) depth=\(max(1, inflight / conns))"
    measuredNs = load.run(warmupNs: warmupNs, durationNs: durationNs)
default:
    usage()
}
var ru = rusage()
getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &ru)
let secs = Double(measuredNs) / 1e9
var badDetail = ""
for b in Bad.allCases where stats.bad[b.rawValue] > 0 { badDetail += " bad_\(b.name)=\(stats.bad[b.rawValue])" }
print(
    "stunload mode=\(mode) \(shape) mmsg=\(sendmmsgFn != nil && recvmmsgFn != nil) seconds=\(Double(Int(secs * 100)) / 100)"
        + " sent=\(stats.sent) ok=\(stats.ok) req_per_s=\(Int(Double(stats.ok) / secs))"
        + " p50_us=\(stats.percentile(0.50)) p99_us=\(stats.percentile(0.99))"
        + " bad=\(stats.badTotal) lost=\(stats.lost) send_errors=\(stats.sendErrors) closed=\(stats.closed) reconnects=\(stats.reconnects)"
        + " answered_total=\(stats.answered) maxrss_kb=\(ru.ru_maxrss)\(badDetail)")
