import STUN
import Testing
import Wire

let clientV4 = STUNAddress(bytes: [203, 0, 113, 7], port: 54321)!
let clientV6 = STUNAddress(bytes: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [9], port: 40000)!
let localV4 = STUNAddress(bytes: [198, 51, 100, 1], port: 3478)!
let localV6 = STUNAddress(bytes: [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], port: 3478)!
let txid: [UInt8] = Array(1...12)

/// Builds a request with the encoder.
func request(
    method: UInt16 = STUN.bindingMethod, messageClass: STUNClass = .request,
    attributes: [(STUNAttributeType, [UInt8])] = [], fingerprint: Bool = false
) -> [UInt8] {
    var e = STUNMessageEncoder(method: method, messageClass: messageClass, transactionID: txid)
    for (t, v) in attributes { e.append(t, value: v) }
    if fingerprint { e.appendFingerprint() }
    return e.finish()
}

extension STUNServer {
    func respond(
        _ bytes: [UInt8], source: STUNAddress = clientV4, local: STUNAddress = localV4,
        socket: STUNSocketRole = .primary, transport: STUNTransport = .udp
    ) throws -> (message: STUNMessage, from: STUNSocketRole, kind: STUNOutcome.ResponseKind) {
        switch handle(bytes, source: source, local: local, socket: socket, transport: transport) {
        case .respond(let out, let from, let kind): return (try STUNMessage.decode(out), from, kind)
        case .drop(let reason):
            Issue.record("dropped: \(reason)")
            throw STUNDecodeError.tooShort
        }
    }

    func dropReason(_ bytes: [UInt8], transport: STUNTransport = .udp) -> STUNDropReason? {
        if case .drop(let reason) = handle(
            bytes, source: clientV4, local: localV4, socket: .primary, transport: transport)
        {
            return reason
        }
        return nil
    }
}

@Suite struct STUNServerTests {
    let server = STUNServer(config: STUNServerConfig())
    let alt = STUNServer(
        config: STUNServerConfig(
            primaryPort: 3478, alternatePort: 3479, alternateIPv4: [198, 51, 100, 2], primaryIPv4: [198, 51, 100, 1]))

    @Test func bindingIPv4() throws {
        let r = try server.respond(request())
        #expect(r.message.messageClass == .successResponse)
        #expect(r.message.method == STUN.bindingMethod)
        #expect(r.message.transactionID == txid)
        #expect(r.message.xorMappedAddress() == clientV4)
        #expect(r.message.attributes.map(\.type) == [.xorMappedAddress])
        #expect(r.from == .primary)
        #expect(r.kind == .success)
    }

    @Test func bindingIPv6() throws {
        let r = try server.respond(request(), source: clientV6, local: localV6)
        #expect(r.message.xorMappedAddress() == clientV6)
        #expect(r.message.transactionID == txid)
        #expect(r.message.raw.count == 44)
    }

    @Test func rfc3489ClientGetsMappedAddressAndItsTransactionID() throws {
        var req = request()
        req[4] = 0xAB  // no magic cookie: 16-byte transaction ID
        let r = try server.respond(req)
        #expect(r.message.isRFC3489)
        #expect(r.message.fullTransactionID == Array(req[4..<20]))
        #expect(r.message.address(.mappedAddress) == clientV4)
        #expect(r.message.attribute(.xorMappedAddress) == nil)
    }

    @Test func rfc3489ClientWithAlternateGetsSourceAndChangedAddress() throws {
        var req = request()
        req[4] = 0xAB
        let r = try alt.respond(req)
        #expect(r.message.address(.sourceAddress) == localV4)
        #expect(r.message.address(.changedAddress) == STUNAddress(bytes: [198, 51, 100, 2], port: 3479))
    }

    @Test func fingerprintEchoed() throws {
        let r = try server.respond(request(fingerprint: true))
        #expect(r.message.fingerprintIsValid() == true)
        #expect(r.message.attributes.last?.type == .fingerprint)
        #expect(try server.respond(request()).message.fingerprintIsValid() == nil)
    }

    @Test func badFingerprintDropped() {
        var req = request(fingerprint: true)
        req[req.count - 1] ^= 0xFF
        #expect(server.dropReason(req) == .badFingerprint)
    }

    @Test func softwareOnlyWhenConfigured() throws {
        let s = STUNServer(config: STUNServerConfig(software: "waystone"))
        let r = try s.respond(request())
        #expect(r.message.attribute(.software)?.value == Array("waystone".utf8))
        #expect(try server.respond(request()).message.attribute(.software) == nil)
    }

    @Test func malformedInputDroppedWithReason() {
        let good = request(attributes: [(.software, Array("abcd".utf8))])
        #expect(server.dropReason([]) == .malformed)
        #expect(server.dropReason(Array(good.prefix(19))) == .malformed)
        var topBits = good
        topBits[0] |= 0x80
        #expect(server.dropReason(topBits) == .malformed)
        #expect(server.dropReason(good + [0, 0, 0, 0]) == .malformed)  // length field too small
        #expect(server.dropReason(Array(good.dropLast(4))) == .malformed)  // length field too large
        var notFour = good
        notFour[3] = 6
        #expect(server.dropReason(Array(notFour.prefix(26))) == .malformed)
        var overrun = good
        overrun[23] = 9  // SOFTWARE length 9 runs past the message
        #expect(server.dropReason(overrun) == .malformed)
        var fingerprintNotLast = request(fingerprint: true)
        fingerprintNotLast += [0x80, 0x22, 0, 0]
        fingerprintNotLast[3] += 4
        #expect(server.dropReason(fingerprintNotLast) == .malformed)
        #expect(server.dropReason(request(messageClass: .successResponse)) == .notRequest)
        #expect(server.dropReason(request(messageClass: .errorResponse)) == .notRequest)
        #expect(server.dropReason(request(messageClass: .indication)) == .notRequest)
        #expect(server.dropReason(request(attributes: [(.padding, [UInt8](repeating: 0, count: 600))])) == .tooLarge)
    }

    @Test func otherMethodGets400() throws {
        let r = try server.respond(request(method: 0x003))  // Allocate
        #expect(r.message.messageClass == .errorResponse)
        #expect(r.message.method == 0x003)
        #expect(r.message.errorCode() == 400)
        #expect(r.kind == .error(code: 400))
        #expect(r.message.transactionID == txid)
    }

    @Test func unknownComprehensionRequiredGets420ListingAll() throws {
        let req = request(
            attributes: [
                (STUNAttributeType(0x0031), [1, 2, 3, 4]), (.username, Array("a:b".utf8)),
                (STUNAttributeType(0x8099), [1]), (STUNAttributeType(0x0002), [0, 1, 0, 1, 1, 2, 3, 4]),
                (STUNAttributeType(0x7FFF), []),
            ], fingerprint: true)
        let r = try server.respond(req)
        #expect(r.message.errorCode() == 420)
        #expect(r.kind == .error(code: 420))
        #expect(r.message.unknownAttributes() == [0x0031, 0x0002, 0x7FFF])
        #expect(r.message.fingerprintIsValid() == true)
    }

    @Test func iceAttributesAndUnknownOptionalAreAccepted() throws {
        let req = request(
            attributes: [
                (.username, Array("evtj:h6vY".utf8)), (.priority, [0x6e, 0, 1, 0xff]), (.useCandidate, []),
                (.iceControlling, [UInt8](repeating: 7, count: 8)), (STUNAttributeType(0xC001), [1, 2]),
                (.messageIntegrity, [UInt8](repeating: 0, count: 20)),
            ], fingerprint: true)
        let r = try server.respond(req)
        #expect(r.kind == .success)
        #expect(r.message.xorMappedAddress() == clientV4)
        #expect(r.message.attribute(.messageIntegrity) == nil)
    }

    @Test func changeRequestHonouredFromTheRightSocket() throws {
        let cases: [(UInt8, STUNSocketRole, STUNAddress)] = [
            (0x00, .primary, localV4),
            (0x02, .alternatePortOnly, STUNAddress(bytes: [198, 51, 100, 1], port: 3479)!),
            (0x04, .alternateIPOnly, STUNAddress(bytes: [198, 51, 100, 2], port: 3478)!),
            (0x06, .alternateBoth, STUNAddress(bytes: [198, 51, 100, 2], port: 3479)!),
        ]
        for (flags, role, origin) in cases {
            let r = try alt.respond(request(attributes: [(.changeRequest, [0, 0, 0, flags])]))
            #expect(r.kind == .success, "flags \(flags)")
            #expect(r.from == role, "flags \(flags)")
            #expect(r.message.address(.responseOrigin) == origin, "flags \(flags)")
            #expect(r.message.address(.otherAddress) == STUNAddress(bytes: [198, 51, 100, 2], port: 3479))
            #expect(r.message.xorMappedAddress() == clientV4)
        }
        // Received on the alternate/alternate socket, change port: back to the alternate IP's primary port.
        let altLocal = STUNAddress(bytes: [198, 51, 100, 2], port: 3479)!
        let r = try alt.respond(
            request(attributes: [(.changeRequest, [0, 0, 0, 0x06])]), local: altLocal, socket: .alternateBoth)
        #expect(r.from == .primary)
        #expect(r.message.address(.responseOrigin) == localV4)
        #expect(r.message.address(.otherAddress) == localV4)
    }

    @Test func changeRequestThatCannotBeHonouredGets420() throws {
        let portOnly = STUNServer(config: STUNServerConfig(alternatePort: 3479))
        for (s, flags) in [(server, UInt8(0x02)), (server, 0x04), (portOnly, 0x04), (portOnly, 0x06)] {
            let r = try s.respond(request(attributes: [(.changeRequest, [0, 0, 0, flags])]))
            #expect(r.message.errorCode() == 420, "flags \(flags)")
            #expect(r.message.unknownAttributes() == [0x0003], "flags \(flags)")
            #expect(r.from == .primary)
        }
        // Flags 0 needs no alternate; change-port with an alternate port works even without a second IP.
        #expect(try server.respond(request(attributes: [(.changeRequest, [0, 0, 0, 0])])).kind == .success)
        let r = try portOnly.respond(request(attributes: [(.changeRequest, [0, 0, 0, 2])]))
        #expect(r.from == .alternatePortOnly)
        #expect(r.message.address(.otherAddress) == STUNAddress(bytes: [198, 51, 100, 1], port: 3479))
        // Over TCP the response cannot come from another socket; a malformed CHANGE-REQUEST is a bad request.
        let tcp = try alt.respond(request(attributes: [(.changeRequest, [0, 0, 0, 4])]), transport: .tcp)
        #expect(tcp.message.errorCode() == 400)
        #expect(try alt.respond(request(attributes: [(.changeRequest, [0, 0, 4])])).message.errorCode() == 400)
    }

    @Test func amplificationFactorOfMinimalResponses() throws {
        let req = request()
        #expect(req.count == 20)
        let v4 = try server.respond(req).message.raw.count
        let v6 = try server.respond(req, source: clientV6, local: localV6).message.raw.count
        print("STUN amplification: IPv4 \(Double(v4) / 20), IPv6 \(Double(v6) / 20)")
        #expect(Double(v4) / Double(req.count) <= 1.6)
        #expect(Double(v6) / Double(req.count) <= 2.2)
        // With FINGERPRINT the ratio only falls (the request grows by 8 as much as the response does).
        let withFP = request(fingerprint: true)
        #expect(Double(try server.respond(withFP).message.raw.count) / Double(withFP.count) <= 1.6)
        // A 420 never amplifies: it lists 2 bytes for each ≥ 4-byte unknown attribute.
        let unknown = request(attributes: (0..<100).map { (STUNAttributeType(0x0040 + UInt16($0)), []) })
        #expect(try server.respond(unknown).message.raw.count < unknown.count)
    }
}
