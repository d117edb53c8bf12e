import Synchronization
import WaystoneRuntime

@testable import Daemon

#if canImport(Glibc)
    import Glibc
#endif

// Helpers for tests that run an event loop on a background thread and talk to it over loopback sockets.

/// Wraps a value that is handed to exactly one other thread (or only used under external ordering).
final class UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// A value behind a lock, shareable between threads and closures.
final class Locked<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { storage.withLock { body(&$0) } }
}

/// A joinable pthread running `body` once.
final class BackgroundThread: @unchecked Sendable {
    private let finished = Atomic<Bool>(false)
    private let body: () -> Void
    private var thread = pthread_t()
    private var joined = false

    init(_ body: @escaping () -> Void) {
        self.body = body
        let context = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                let me = Unmanaged<BackgroundThread>.fromOpaque(raw!).takeRetainedValue()
                me.body()
                me.finished.store(true, ordering: .releasing)
                return nil
            }, context)
        precondition(rc == 0, "pthread_create failed")
    }

    var isFinished: Bool { finished.load(ordering: .acquiring) }

    /// Waits up to `timeout` seconds for the body to return; joins the thread if it did.
    @discardableResult
    func join(timeout: Double) -> Bool {
        guard waitUntil(timeout: timeout, { self.isFinished }) else { return false }
        if !joined {
            pthread_join(thread, nil)
            joined = true
        }
        return true
    }
}

/// Polls `condition` every 5 ms for up to `timeout` seconds.
func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = monotonicSeconds() + timeout
    while true {
        if condition() { return true }
        if monotonicSeconds() >= deadline { return false }
        usleep(5_000)
    }
}

func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func sleepSeconds(_ seconds: Double) { usleep(UInt32(seconds * 1_000_000)) }

// MARK: Files

func readBytes(_ path: String) -> [UInt8]? { try? AtomicFile.read(path, maxBytes: 1 << 20) }

func fileMode(_ path: String) -> mode_t? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return info.st_mode & 0o777
}

func fileExists(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0
}

/// Removes `path` and everything below it (test temp dirs only).
func removeTree(_ path: String) {
    var info = stat()
    guard lstat(path, &info) == 0 else { return }
    if info.st_mode & S_IFMT == S_IFDIR {
        chmod(path, 0o700)
        if let dir = opendir(path) {
            var names: [String] = []
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
                }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(dir)
            for name in names { removeTree(path + "/" + name) }
        }
        rmdir(path)
    } else {
        unlink(path)
    }
}

func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
}

// MARK: Sockets

/// A loopback port nothing listens on (bound then closed; good enough for a refused connect).
func unusedLoopbackPort() -> UInt16 {
    let socket = BoundSocket(listen: false)
    return socket.port
}

/// A blocking IPv4 TCP socket bound to 127.0.0.1 on an ephemeral port, optionally listening (to hold a port).
final class BoundSocket {
    let fd: Int32
    let port: UInt16

    init(listen shouldListen: Bool) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        precondition(fd >= 0)
        var address = loopbackAddress(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        precondition(bound == 0)
        if shouldListen { precondition(Glibc.listen(fd, 16) == 0) }
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: local.sin_port)
    }

    deinit { close(fd) }
}

func loopbackAddress(port: UInt16) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    return address
}

/// One parsed HTTP/1.1 response.
struct HTTPReply {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: String

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// A blocking TCP client socket with receive timeouts that keeps unread bytes (pipelined replies); subclasses add
/// the protocol's framing.
class BlockingStream {
    enum ReadResult { case data, eof, timeout, error }

    let fd: Int32
    let local: SocketAddress
    fileprivate(set) var buffer: [UInt8] = []

    /// Connects to `address`; nil if the connect fails (e.g. refused).
    init?(connectTo address: SocketAddress) {
        let fd = socket(address.isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        let rc = withSockaddr(address) { connect(fd, $0, $1) }
        guard rc == 0, let local = localAddress(of: fd) else {
            close(fd)
            return nil
        }
        self.fd = fd
        self.local = local
    }

    deinit { close(fd) }

    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    /// One recv into `buffer`, waiting at most `timeout` seconds.
    func readMore(timeout: Double) -> ReadResult {
        setSocketReceiveTimeout(fd, timeout)
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n > 0 {
                buffer.append(contentsOf: chunk[0..<n])
                return .data
            }
            if n == 0 { return .eof }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .timeout
            case ECONNRESET: return .eof
            default: return .error
            }
        }
    }

    /// The first frame `parse` finds in the buffer (it returns the value and the bytes used), reading for at most
    /// `timeout` seconds; nil on timeout, EOF or error.
    func read<T>(timeout: Double, _ parse: ([UInt8]) -> (T, Int)?) -> T? {
        let deadline = monotonicSeconds() + timeout
        while true {
            if let (value, used) = parse(buffer) {
                buffer.removeFirst(used)
                return value
            }
            let remaining = deadline - monotonicSeconds()
            guard remaining > 0, readMore(timeout: remaining) == .data else { return nil }
        }
    }

    /// Waits up to `timeout` seconds for the peer to close (EOF, reset or error); received data is kept.
    func waitForClose(timeout: Double) -> Bool {
        let deadline = monotonicSeconds() + timeout
        while true {
            let remaining = deadline - monotonicSeconds()
            guard remaining > 0 else { return false }
            switch readMore(timeout: remaining) {
            case .data: continue
            case .eof, .error: return true
            case .timeout: return false
            }
        }
    }
}

/// A blocking loopback HTTP client.
final class BlockingClient: BlockingStream {
    /// Connects to 127.0.0.1:`port`; nil if the connect fails.
    init?(port: UInt16) {
        guard let address = try? SocketAddress.parse("127.0.0.1:\(port)") else { return nil }
        super.init(connectTo: address)
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Reads one response (no body for HEAD) within `timeout` seconds; nil on timeout, EOF or a bad response.
    func readResponse(isHead: Bool = false, timeout: Double = 3) -> HTTPReply? {
        read(timeout: timeout) { Self.parse($0, isHead: isHead) }
    }

    /// Reads everything until the peer closes (at most `timeout` seconds) and returns it as text.
    func readUntilClose(timeout: Double) -> (text: String, closed: Bool) {
        let closed = waitForClose(timeout: timeout)
        return (String(decoding: buffer, as: UTF8.self), closed)
    }

    static func parse(_ bytes: [UInt8], isHead: Bool) -> (HTTPReply, Int)? {
        let terminator: [UInt8] = [13, 10, 13, 10]
        guard bytes.count >= 4,
            let headEnd = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<$0 + 4]) == terminator })
        else { return nil }
        let head = String(decoding: bytes[0..<headEnd], as: UTF8.self)
        // "\r\n" is one Character in Swift.
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2)
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " })))
        }
        let bodyStart = headEnd + 4
        var reply = HTTPReply(status: status, headers: headers, body: "")
        let length = isHead ? 0 : (reply.header("Content-Length").flatMap { Int($0) } ?? 0)
        guard bytes.count - bodyStart >= length else { return nil }
        reply.body = String(decoding: bytes[bodyStart..<bodyStart + length], as: UTF8.self)
        return (reply, bodyStart + length)
    }
}

/// One request on a fresh connection; nil if the connect or the response failed.
func httpRequest(port: UInt16, _ request: String, isHead: Bool = false, timeout: Double = 3) -> HTTPReply? {
    guard let client = BlockingClient(port: port), client.send(request) else { return nil }
    return client.readResponse(isHead: isHead, timeout: timeout)
}

func get(_ path: String, port: UInt16) -> HTTPReply? {
    httpRequest(port: port, "GET \(path) HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
}

/// The value of the sample line `series` (name plus labels, exactly as rendered) in Prometheus text.
func sampleValue(_ text: String, _ series: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
        let value = line.dropFirst(series.count + 1)
        switch value {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        default: return Double(value)
        }
    }
    return nil
}

/// Runs an `EventLoop` on a background thread. Set the loop up (listeners, endpoints) before `start()`;
/// afterwards touch it only through `loop.remote`. `stop()` stops, joins and closes it.
final class LoopRunner {
    let loop: EventLoop
    private var thread: BackgroundThread?
    private let failure = Locked<String?>(nil)

    init() throws {
        loop = try EventLoop()
    }

    func start() {
        let box = UncheckedBox(loop)
        thread = BackgroundThread { [failure] in
            do {
                try box.value.run()
            } catch {
                failure.value = "\(error)"
            }
        }
    }

    /// Stops and joins the loop thread (bounded), then closes the loop. Returns false if the thread did not end.
    @discardableResult
    func stop() -> Bool {
        guard let thread else {
            loop.close()
            return true
        }
        loop.remote.stop()
        let ended = thread.join(timeout: 5)
        if ended { loop.close() }
        self.thread = nil
        return ended
    }

    var runError: String? { failure.value }
}
