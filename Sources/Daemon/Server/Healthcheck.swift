import WaystoneRuntime

/// `waystone healthcheck`: `GET /healthz` on the configured metrics address; healthy only on a 200 within the
/// timeout. For container HEALTHCHECKs, so it needs no curl. An unspecified listen host (`0.0.0.0`, `::`) is probed
/// on the loopback address of the same family.
enum Healthcheck {
    static let timeoutNanoseconds: UInt64 = 5_000_000_000

    /// Returns nil when healthy, else why not (for one line on stderr).
    static func probe(_ listen: SocketAddress) -> String? {
        let target: SocketAddress
        let loop: EventLoop
        do {
            switch listen.host {
            case "0.0.0.0": target = try SocketAddress.parse("127.0.0.1:\(listen.port)")
            case "::": target = try SocketAddress.parse("[::1]:\(listen.port)")
            default: target = listen
            }
            loop = try EventLoop()
        } catch {
            return "\(error)"
        }
        defer { loop.close() }
        var failure: String? = "no answer from \(target) within \(timeoutNanoseconds / 1_000_000_000) s"
        var response: [UInt8] = []
        loop.schedule(afterNanoseconds: timeoutNanoseconds) { loop.stop() }
        do {
            try loop.connectTCP(target, timeoutNanoseconds: timeoutNanoseconds) { result in
                switch result {
                case .failure(let error):
                    failure = "\(error)"
                    loop.stop()
                case .success(let connection):
                    connection.onRead = { connection, bytes in
                        response.append(contentsOf: bytes)
                        if let status = statusCode(response) {
                            failure = status == 200 ? nil : "GET /healthz on \(target) answered \(status)"
                            connection.close()
                            loop.stop()
                        } else if response.count > 4096 {
                            failure = "GET /healthz on \(target): malformed response"
                            connection.close()
                            loop.stop()
                        }
                    }
                    connection.onClose = { _, error in
                        if statusCode(response) == nil {
                            failure =
                                "\(target) closed the connection without an answer" + (error.map { ": \($0)" } ?? "")
                        }
                        loop.stop()
                    }
                    connection.write(
                        Array("GET /healthz HTTP/1.1\r\nHost: \(target)\r\nConnection: close\r\n\r\n".utf8))
                }
            }
            try loop.run()
        } catch {
            return "\(error)"
        }
        return failure
    }

    /// The status code of a complete `HTTP/1.x NNN ...` status line, or nil until one has arrived.
    static func statusCode(_ bytes: [UInt8]) -> Int? {
        guard let end = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let line = String(decoding: bytes[..<end], as: UTF8.self)
        let parts = line.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let code = Int(parts[1]) else { return -1 }
        return code
    }
}
