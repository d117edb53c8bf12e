import STUN

/// STUN: the message decoder, the Binding server and the TCP framer.
public enum STUNHarness {
    /// `STUNMessage.decode`: a decoded message keeps the input as `raw` and re-encodes to the same bytes; the
    /// accessors never trap.
    public static func decode(_ bytes: [UInt8], check: FuzzCheck) {
        guard let message = try? STUNMessage.decode(bytes) else { return }
        check(message.raw == bytes, "raw differs from the input")
        check(message.transactionID == Array(bytes[8..<20]), "transaction ID is not bytes 8..<20")
        var encoder = STUNMessageEncoder(
            method: message.method, messageClass: message.messageClass, transactionID: message.transactionID,
            magicCookie: message.magicCookie, capacity: bytes.count)
        for attribute in message.attributes {
            encoder.append(attribute.type, value: attribute.value, padding: attribute.padding)
        }
        check(encoder.finish() == bytes, "re-encoding the decoded message gives different bytes")
        _ = message.fingerprintIsValid()
        _ = message.messageIntegrityIsValid(key: Array("VOkJxbRl1RmTxUk/WvJxBt".utf8))
        _ = message.xorMappedAddress()
        _ = message.address(.mappedAddress)
        _ = message.address(.otherAddress)
        _ = message.errorCode()
        _ = message.unknownAttributes()
        _ = message.fullTransactionID
    }

    static let servers: [STUNServer] = [
        STUNServer(config: STUNServerConfig()),
        STUNServer(
            config: STUNServerConfig(
                software: "waystone-fuzz", primaryPort: 3478, alternatePort: 3479, alternateIPv4: [192, 0, 2, 2],
                alternateIPv6: [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [2],
                primaryIPv4: [192, 0, 2, 1],
                primaryIPv6: [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1])),
    ]

    static let endpoints: [(source: STUNAddress, local: STUNAddress)] = [
        (STUNAddress(bytes: [203, 0, 113, 7], port: 54321)!, STUNAddress(bytes: [192, 0, 2, 1], port: 3478)!),
        (
            STUNAddress(bytes: [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0xAB, count: 12), port: 40000)!,
            STUNAddress(bytes: [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1], port: 3478)!
        ),
    ]

    /// `STUNServer.handle` under two configurations, both families, UDP and TCP, primary and alternate sockets:
    /// it answers only decodable requests, and every response decodes, echoes the cookie + transaction ID and
    /// method, is a success or error response matching its kind, maps the source address, and carries a valid
    /// FINGERPRINT when the request had one.
    public static func server(_ bytes: [UInt8], check: FuzzCheck) {
        let request = try? STUNMessage.decode(bytes)
        for server in servers {
            for (source, local) in endpoints {
                for transport in [STUNTransport.udp, .tcp] {
                    for socket in [STUNSocketRole.primary, .alternateBoth] {
                        let outcome = server.handle(
                            bytes, source: source, local: local, socket: socket, transport: transport)
                        guard case .respond(let out, let from, let kind) = outcome else { continue }
                        guard let request else {
                            check(false, "responded to a message that does not decode")
                            continue
                        }
                        guard let response = try? STUNMessage.decode(out) else {
                            check(false, "the response does not decode")
                            continue
                        }
                        check(request.messageClass == .request, "responded to a non-request")
                        check(Array(out[4..<20]) == Array(bytes[4..<20]), "cookie + transaction ID not echoed")
                        check(response.method == request.method, "method not echoed")
                        check(out.count <= 1024, "response larger than 1024 bytes")
                        if transport == .tcp { check(from == socket, "TCP response from another socket") }
                        switch kind {
                        case .success:
                            check(response.messageClass == .successResponse, "success kind, class not success")
                            let mapped =
                                request.isRFC3489 ? response.address(.mappedAddress) : response.xorMappedAddress()
                            check(mapped == source, "mapped address is not the source")
                        case .error(let code):
                            check(response.messageClass == .errorResponse, "error kind, class not error")
                            check(response.errorCode() == code, "ERROR-CODE differs from the kind")
                        }
                        if request.attribute(.fingerprint) != nil {
                            check(response.fingerprintIsValid() == true, "response FINGERPRINT missing or wrong")
                        }
                    }
                }
            }
        }
    }

    /// `STUNTCPFramer`: the first byte picks the segment size (1...64), the rest is the stream. The framer returns
    /// whole messages (20 + length bytes, at most the limit) that are exactly the stream's bytes in order, never
    /// more than appended, and buffers exactly what it has not returned.
    public static func tcpFramer(_ bytes: [UInt8], check: FuzzCheck) {
        guard let first = bytes.first else { return }
        let segment = Int(first % 64) + 1
        let stream = Array(bytes.dropFirst())
        let limit = 576
        var framer = STUNTCPFramer(maxMessageBytes: limit)
        var appended = 0
        var returned = 0
        var offset = 0
        feeding: while offset < stream.count {
            let end = min(offset + segment, stream.count)
            framer.append(stream[offset..<end])
            appended += end - offset
            offset = end
            while true {
                let next: [UInt8]?
                do {
                    next = try framer.next()
                } catch {
                    break feeding
                }
                guard let message = next else { break }
                check(returned + message.count <= appended, "returned more bytes than appended")
                check(message.count >= 20 && message.count <= limit, "message size \(message.count) out of range")
                check(message[0] & 0xC0 == 0, "message with top bits set")
                check(message.count == 20 + (Int(message[2]) << 8 | Int(message[3])), "message size != 20 + length")
                check(Array(stream[returned..<(returned + message.count)]) == message, "message is not the stream")
                returned += message.count
            }
            check(framer.bufferedCount == appended - returned, "bufferedCount != appended - returned")
        }
    }
}
