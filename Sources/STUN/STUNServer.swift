/// The STUN Binding server as a pure function of one received message (sans-IO): RFC 8489 Binding with
/// XOR-MAPPED-ADDRESS, RFC 3489 clients with MAPPED-ADDRESS, RFC 5780 NAT behaviour discovery when an alternate
/// is configured. It keeps no state; rate limiting is the daemon's (`Limits.PerIPRateLimiter`) and TCP framing ``STUNTCPFramer``'s.
///
/// Authentication: this server has no credentials. A Binding that carries USERNAME / MESSAGE-INTEGRITY
/// (e.g. an ICE connectivity check aimed at it) is answered like any other Binding, without MESSAGE-INTEGRITY,
/// and its integrity is not checked — what coturn does for Binding requests unless `secure-stun` is set.
/// Those attributes are known, so they never cause a 420.
public struct STUNServer: Sendable {
    public let config: STUNServerConfig
    private let softwareBytes: [UInt8]

    public init(config: STUNServerConfig) {
        self.config = config
        softwareBytes = config.software.map { Array(String($0.prefix(127)).utf8) } ?? []
    }

    /// Comprehension-required attributes a Binding request may carry that this server understands (and mostly
    /// ignores). Everything else below 0x8000 gets a 420. Not in the set on purpose: RESPONSE-ADDRESS (0x0002, RFC
    /// 3489; would aim responses at third parties) and RESPONSE-PORT (0x0027, RFC 5780; not supported).
    static func isKnownRequired(_ type: UInt16) -> Bool {
        switch type {
        case 0x0001,  // MAPPED-ADDRESS (meaningless in a request; ignored)
            0x0003,  // CHANGE-REQUEST
            0x0006, 0x0008, 0x0014, 0x0015,  // USERNAME, MESSAGE-INTEGRITY, REALM, NONCE
            0x001C, 0x001D, 0x001E,  // MESSAGE-INTEGRITY-SHA256, PASSWORD-ALGORITHM, USERHASH
            0x0020,  // XOR-MAPPED-ADDRESS (ignored)
            0x0024, 0x0025,  // PRIORITY, USE-CANDIDATE (ICE)
            0x0026:  // PADDING (RFC 5780; ignored, the response is not padded)
            return true
        default:
            return false
        }
    }

    /// One complete STUN message (one UDP datagram or one ``STUNTCPFramer`` frame) from `source`, received on
    /// `transport` at the local socket `socket` whose local address is `local`.
    public func handle(
        _ message: some Collection<UInt8>, source: STUNAddress, local: STUNAddress, socket: STUNSocketRole,
        transport: STUNTransport
    ) -> STUNOutcome {
        let args = (source, local, socket, transport)
        if let outcome = message.withContiguousStorageIfAvailable({
            handle(UnsafeRawBufferPointer($0), source: args.0, local: args.1, socket: args.2, transport: args.3)
        }) {
            return outcome
        }
        return Array(message).withUnsafeBytes {
            handle($0, source: source, local: local, socket: socket, transport: transport)
        }
    }

    /// The fast path: scans `message` in place, allocating only the response.
    public func handle(
        _ message: UnsafeRawBufferPointer, source: STUNAddress, local: STUNAddress, socket: STUNSocketRole,
        transport: STUNTransport
    ) -> STUNOutcome {
        guard message.count <= config.maxRequestBytes else { return .drop(.tooLarge) }
        guard STUNScanner.validateHeader(message, expectedCount: message.count) == nil else {
            return .drop(.malformed)
        }
        var fingerprintOffset = -1
        var changeFlags: UInt32 = 0
        var seenChangeRequest = false
        var badChangeRequest = false
        var unknownCount = 0
        let scanError = STUNScanner.forEachAttribute(message) { type, offset, length in
            switch type {
            case STUNAttributeType.fingerprint.rawValue:
                fingerprintOffset = offset
            case STUNAttributeType.changeRequest.rawValue:
                if !seenChangeRequest {
                    seenChangeRequest = true
                    if length == 4 {
                        changeFlags = STUNScanner.be32(message, offset + 4)
                    } else {
                        badChangeRequest = true
                    }
                }
            default:
                if type < 0x8000 && !Self.isKnownRequired(type) { unknownCount += 1 }
            }
        }
        guard scanError == nil else { return .drop(.malformed) }
        let type = STUNScanner.be16(message, 0)
        guard STUNMessageType.messageClass(type) == .request else { return .drop(.notRequest) }
        if fingerprintOffset >= 0 {
            let expected = STUNScanner.fingerprint(UnsafeRawBufferPointer(rebasing: message[0..<fingerprintOffset]))
            guard expected == STUNScanner.be32(message, fingerprintOffset + 4) else { return .drop(.badFingerprint) }
        }
        let withFingerprint = fingerprintOffset >= 0
        let method = STUNMessageType.method(type)
        guard method == STUN.bindingMethod, !badChangeRequest else {
            return errorResponse(message, method: method, code: 400, socket: socket, fingerprint: withFingerprint)
        }

        var target = socket
        var cannotChange = false
        let changeIP = changeFlags & 0x04 != 0
        let changePort = changeFlags & 0x02 != 0
        if changeIP || changePort {
            // RFC 5780: the response of a TCP request can only go back over its connection.
            guard transport == .udp else {
                return errorResponse(message, method: method, code: 400, socket: socket, fingerprint: withFingerprint)
            }
            if changeIP { target.alternateIP.toggle() }
            if changePort { target.alternatePort.toggle() }
            cannotChange = address(of: target, receivedOn: socket, local: local) == nil
        }
        if unknownCount > 0 || cannotChange {
            var unknown: [UInt16] = []
            unknown.reserveCapacity(unknownCount + 1)
            _ = STUNScanner.forEachAttribute(message) { type, _, _ in
                if type < 0x8000 && !Self.isKnownRequired(type) && !unknown.contains(type) { unknown.append(type) }
            }
            if cannotChange { unknown.append(STUNAttributeType.changeRequest.rawValue) }
            return errorResponse(
                message, method: method, code: 420, socket: socket, fingerprint: withFingerprint, unknown: unknown)
        }

        let legacy = STUNScanner.be32(message, 4) != STUN.magicCookie
        var encoder = STUNMessageEncoder(
            responseTo: message, method: method, messageClass: .successResponse,
            capacity: 96 + softwareBytes.count)
        if legacy {
            encoder.appendAddress(.mappedAddress, source)
        } else {
            encoder.appendXORAddress(.xorMappedAddress, source)
        }
        if config.hasAlternate(ipv6: local.isIPv6) {
            if let origin = address(of: target, receivedOn: socket, local: local) {
                encoder.appendAddress(legacy ? .sourceAddress : .responseOrigin, origin)
            }
            if let other = otherAddress(receivedOn: socket, local: local) {
                encoder.appendAddress(legacy ? .changedAddress : .otherAddress, other)
            }
        }
        if !softwareBytes.isEmpty { encoder.append(.software, value: softwareBytes) }
        if withFingerprint { encoder.appendFingerprint() }
        return .respond(bytes: encoder.finish(), from: target, kind: .success)
    }

    private func errorResponse(
        _ request: UnsafeRawBufferPointer, method: UInt16, code: Int, socket: STUNSocketRole, fingerprint: Bool,
        unknown: [UInt16] = []
    ) -> STUNOutcome {
        var encoder = STUNMessageEncoder(
            responseTo: request, method: method, messageClass: .errorResponse,
            capacity: 64 + unknown.count * 2 + softwareBytes.count)
        encoder.appendErrorCode(code, reason: code == 420 ? "Unknown Attribute" : "Bad Request")
        if !unknown.isEmpty { encoder.appendUnknownAttributes(unknown) }
        if !softwareBytes.isEmpty { encoder.append(.software, value: softwareBytes) }
        if fingerprint { encoder.appendFingerprint() }
        return .respond(bytes: encoder.finish(), from: socket, kind: .error(code: code))
    }

    /// The local address of socket `role`, given that `local` is the address of socket `socket`; nil when the
    /// configuration does not have it.
    func address(of role: STUNSocketRole, receivedOn socket: STUNSocketRole, local: STUNAddress) -> STUNAddress? {
        let ip: [UInt8]
        if role.alternateIP == socket.alternateIP {
            ip = local.bytes
        } else if role.alternateIP {
            guard let alt = config.alternateIP(ipv6: local.isIPv6) else { return nil }
            ip = alt
        } else {
            guard let primary = config.primaryIP(ipv6: local.isIPv6) else { return nil }
            ip = primary
        }
        let port: UInt16
        if role.alternatePort == socket.alternatePort {
            port = local.port
        } else if role.alternatePort {
            guard let alt = config.alternatePort else { return nil }
            port = alt
        } else {
            port = config.primaryPort
        }
        return STUNAddress(bytes: ip, port: port)
    }

    /// RFC 5780 OTHER-ADDRESS: the socket differing from the receiving one in IP (when a second IP is configured)
    /// and in port (when an alternate port is configured).
    func otherAddress(receivedOn socket: STUNSocketRole, local: STUNAddress) -> STUNAddress? {
        var other = socket
        if config.alternateIP(ipv6: local.isIPv6) != nil { other.alternateIP.toggle() }
        if config.alternatePort != nil { other.alternatePort.toggle() }
        guard other != socket else { return nil }
        return address(of: other, receivedOn: socket, local: local)
    }
}
