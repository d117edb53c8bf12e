import FuzzHarness
import Libp2pCore
import Relay
import TestSupport
import Testing
import Wire

@Suite struct RelayMessageTests {
    static func checkPeer(_ peer: RelayPeer?, _ expected: Any?, _ name: String) throws {
        guard let fields = expected as? [String: Any] else {
            #expect(peer == nil, "\(name)")
            return
        }
        let peer = try #require(peer, "\(name)")
        #expect(peer.peerID?.base58 == (try RelayVectors.peerField(fields["id"])), "\(name)")
        #expect(peer.addrs.count == (fields["addrs"] as? [String] ?? []).count, "\(name)")
    }

    static func checkReservation(_ reservation: RelayReservation?, _ expected: Any?, _ name: String) throws {
        guard let fields = expected as? [String: Any] else {
            #expect(reservation == nil, "\(name)")
            return
        }
        let reservation = try #require(reservation, "\(name)")
        #expect(reservation.expire == (try RelayVectors.integer(fields["expire"])), "\(name)")
        let addrs = try reservation.addrs.map { try Multiaddr(bytes: $0).description }
        #expect(addrs == (fields["addrs"] as? [String] ?? []), "\(name)")
        #expect(reservation.voucher == (try fields["voucher"].map(RelayVectors.hexField)), "\(name)")
    }

    static func checkLimit(_ limit: RelayLimit?, _ expected: Any?, _ name: String) throws {
        guard let fields = expected as? [String: Any] else {
            #expect(limit == nil, "\(name)")
            return
        }
        let limit = try #require(limit, "\(name)")
        #expect(UInt64(limit.duration) == (try RelayVectors.integer(fields["duration"])), "\(name)")
        #expect(limit.data == (try RelayVectors.integer(fields["data"])), "\(name)")
    }

    /// Decodes a vector and checks it re-encodes byte-exact, framed and unframed, and unframes back.
    static func roundTrip<M: RelayWireMessage>(_: M.Type, _ vector: RelayVectors.Message) throws -> M {
        let message = try M(bytes: vector.message)
        #expect(message.bytes == vector.message, "\(vector.name)")
        #expect(message.framedBytes == vector.framed, "\(vector.name)")
        let (unframed, rest) = try #require(try M.unframe(vector.framed), "\(vector.name)")
        #expect(unframed == message && rest.isEmpty, "\(vector.name)")
        return message
    }

    /// Every hop and stop vector decodes to its documented fields and re-encodes byte-exact.
    @Test func vectorsRoundTripByteExact() throws {
        let vectors = try RelayVectors.messages()
        #expect(vectors.filter(\.isHop).count == 4 && vectors.filter { !$0.isHop }.count == 2)
        for vector in vectors {
            let fields = vector.decoded
            if vector.isHop {
                let message = try Self.roundTrip(HopMessage.self, vector)
                #expect(message.type.description == fields["type"] as? String, "\(vector.name)")
                #expect(message.status?.description == fields["status"] as? String, "\(vector.name)")
                try Self.checkPeer(message.peer, fields["peer"], vector.name)
                try Self.checkReservation(message.reservation, fields["reservation"], vector.name)
                try Self.checkLimit(message.limit, fields["limit"], vector.name)
            } else {
                let message = try Self.roundTrip(StopMessage.self, vector)
                #expect(message.type.description == fields["type"] as? String, "\(vector.name)")
                #expect(message.status?.description == fields["status"] as? String, "\(vector.name)")
                try Self.checkPeer(message.peer, fields["peer"], vector.name)
                try Self.checkLimit(message.limit, fields["limit"], vector.name)
            }
        }
    }

    /// The constructors a relay and a client use produce the vectors' bytes, the reservation reply included (with a
    /// voucher sealed here: Ed25519 is deterministic).
    @Test func constructorsBuildTheVectors() throws {
        let envelopes = try RelayVectors.envelopes()
        let relay = try envelopes.key("relay")
        let peerA = try envelopes.key("peer_a")
        func vector(_ name: String) throws -> [UInt8] { try RelayVectors.message(name).message }

        #expect(HopMessage.reserve.bytes == (try vector("hop RESERVE (client -> relay)")))
        #expect(
            HopMessage.connect(to: peerA.peerID).bytes == (try vector("hop CONNECT to peer A (initiator -> relay)")))
        #expect(HopMessage.status(.noReservation).bytes == (try vector("hop STATUS NO_RESERVATION")))
        #expect(
            StopMessage.connect(from: relay.peerID, limit: .default).bytes
                == (try vector("stop CONNECT from peer R-client (relay -> target)")))
        #expect(StopMessage.status(.ok).bytes == (try vector("stop STATUS OK (target -> relay)")))

        let expire: UInt64 = 1_700_003_600
        let voucher = try RelayVoucher(relay: relay.peerID, peer: peerA.peerID, expiration: expire).sealed(with: relay)
        let address = try Multiaddr("/ip4/203.0.113.5/tcp/4001/p2p/\(relay.peerID)")
        let reply = HopMessage.status(
            .ok, reservation: RelayReservation(expire: expire, addrs: [address.bytes], voucher: voucher.bytes),
            limit: .default)
        #expect(reply.bytes == (try vector("hop STATUS OK with reservation + limit (relay -> client)")))
    }

    /// go-libp2p's proto3 schema omits a zero `type`: an empty message is RESERVE (hop) or CONNECT (stop), and the
    /// re-encoding writes the type explicitly.
    @Test func absentTypeIsTheZeroType() throws {
        #expect(try HopMessage(bytes: []) == .reserve)
        #expect(try HopMessage(bytes: []).bytes == [0x08, 0x00])
        let stop = try StopMessage(bytes: [0x1a, 0x00])
        #expect(stop.type == .connect && stop.limit == .unlimited && stop.peer == nil && stop.status == nil)
        #expect(stop.bytes == [0x08, 0x00, 0x1a, 0x04, 0x08, 0x00, 0x10, 0x00])
    }

    /// A status or type this node does not know decodes, stays distinguishable from every known one and re-encodes
    /// unchanged (negative values sign-extended to 10 bytes, as protobuf writes an int32).
    @Test(arguments: [299, 0, 1, 402, -1, Int32.max, Int32.min])
    func unknownCodesRoundTrip(_ code: Int32) throws {
        let status = RelayStatus(rawValue: code)
        #expect(status.isKnown == (code == 0))
        #expect(status.description == (code == 0 ? "UNUSED" : "UNKNOWN(\(code))"))
        #expect(!RelayStatus.known.contains(status))
        let hop = HopMessage(type: HopMessage.MessageType(rawValue: code &+ 3), status: status)
        #expect(try HopMessage(bytes: hop.bytes) == hop)
        #expect(try HopMessage(bytes: hop.bytes).bytes == hop.bytes)
        let stop = StopMessage(type: StopMessage.MessageType(rawValue: code &+ 2), status: status)
        #expect(try StopMessage(bytes: stop.bytes) == stop)
        #expect(code >= 0 || HopMessage.status(status).bytes.count == 2 + 1 + 10)
        #expect(HopMessage.MessageType(rawValue: 7).description == "UNKNOWN(7)")
    }

    /// The spec's status codes and names.
    @Test func statusCodesAreTheSpecs() throws {
        let expected: [(String, Int32)] = [
            ("OK", 100), ("RESERVATION_REFUSED", 200), ("RESOURCE_LIMIT_EXCEEDED", 201), ("PERMISSION_DENIED", 202),
            ("CONNECTION_FAILED", 203), ("NO_RESERVATION", 204), ("MALFORMED_MESSAGE", 400),
            ("UNEXPECTED_MESSAGE", 401),
        ]
        #expect(RelayStatus.known.map(\.description) == expected.map(\.0))
        #expect(RelayStatus.known.map(\.rawValue) == expected.map(\.1))
        #expect(RelayStatus.known.allSatisfy { $0.isKnown })
        #expect(RelayStatus.connectionFailed == RelayStatus(rawValue: 203))
        // A varint beyond 32 bits keeps its low 32 bits, as protobuf reads an int32 (here 2^32 + 100 = OK).
        #expect(try HopMessage(bytes: [0x08, 0x02, 0x28, 0xe4, 0x80, 0x80, 0x80, 0x10]).status == .ok)
        #expect(HopMessage.MessageType.status.description == "STATUS" && StopMessage.MessageType.status.rawValue == 1)
    }

    /// Unknown fields of every wire type are skipped, at the top level and inside the embedded messages (py-libp2p
    /// sends `senderRecord = 6`).
    @Test func unknownFieldsAreSkipped() throws {
        let vector = try RelayVectors.message("hop CONNECT to peer A (initiator -> relay)")
        let plain = try HopMessage(bytes: vector.message)
        let id = try #require(plain.peer?.id)
        var peer = ProtobufWriter()
        peer.writeBytes(field: 1, id)
        peer.writeVarint(field: 3, 7)
        peer.writeFixed32(field: 4, 1)
        var writer = ProtobufWriter()
        writer.writeVarint(field: 1, 1)
        writer.writeMessage(field: 2, peer)
        writer.writeBytes(field: 6, [0xde, 0xad])
        writer.writeFixed64(field: 7, 9)
        writer.writeVarint(field: 1000, 1)
        let decoded = try HopMessage(bytes: writer.bytes)
        #expect(decoded == plain)
        #expect(decoded.bytes == vector.message)
        var stop = try RelayVectors.message("stop STATUS OK (target -> relay)").message
        stop += [0x2a, 0x01, 0x00, 0x3d, 1, 2, 3, 4]
        #expect(try StopMessage(bytes: stop) == .status(.ok))
    }

    /// Repeated fields follow protobuf: the last scalar wins, embedded messages merge (addresses append).
    @Test func repeatedFieldsMerge() throws {
        let limits: [UInt8] = [
            0x08, 0x01, 0x22, 0x02, 0x08, 0x78, 0x22, 0x03, 0x10, 0x80, 0x08, 0x28, 0xcc, 0x01, 0x28, 0x64,
        ]
        let hop = try HopMessage(bytes: limits)
        #expect(hop.type == .connect && hop.limit == RelayLimit(duration: 120, data: 1024) && hop.status == .ok)
        let peers: [UInt8] = [0x12, 0x05, 0x0a, 0x01, 0xaa, 0x12, 0x00, 0x12, 0x06, 0x0a, 0x01, 0xbb, 0x12, 0x01, 0xcc]
        let stop = try StopMessage(bytes: peers)
        #expect(stop.peer == RelayPeer(id: [0xbb], addrs: [[], [0xcc]]))
        // `duration` is a uint32: 2^32 keeps its low 32 bits.
        #expect(try HopMessage(bytes: [0x22, 0x06, 0x08, 0x80, 0x80, 0x80, 0x80, 0x10]).limit == .unlimited)
    }

    /// Malformed messages are typed errors, at the top level and inside the embedded messages.
    @Test func malformedInputIsAnError() {
        let cases: [([UInt8], WireError)] = [
            ([0x08], .truncated),
            ([0x08, 0x80], .truncated),
            ([0x08] + [UInt8](repeating: 0xff, count: 10) + [0x01], .varintTooLong),
            ([0x0a, 0x00], .unexpectedWireType(field: 1)),
            ([0x12, 0x05, 0x0a], .truncated),
            ([0x12, 0x01, 0x0a], .truncated),
            ([0x12, 0x02, 0x08, 0x00], .unexpectedWireType(field: 1)),
            ([0x1a, 0x02, 0x08, 0x80], .truncated),
            ([0x1a, 0x02, 0x18, 0x00], .unexpectedWireType(field: 3)),
            ([0x22, 0x02, 0x0a, 0x00], .unexpectedWireType(field: 1)),
            ([0x28], .truncated),
            ([0x2a, 0x00], .unexpectedWireType(field: 5)),
            ([0x00], .invalidFieldNumber),
            ([0x0b], .unsupportedWireType(3)),
            ([0x0f], .unsupportedWireType(7)),
        ]
        for (bytes, error) in cases {
            #expect(throws: RelayError.malformed(error), "\(Hex.encode(bytes))") { try HopMessage(bytes: bytes) }
        }
        #expect(throws: RelayError.malformed(.unexpectedWireType(field: 3))) { try StopMessage(bytes: [0x18, 0x01]) }
        #expect(throws: RelayError.malformed(.unexpectedWireType(field: 4))) { try StopMessage(bytes: [0x22, 0x00]) }
    }

    /// Every strict non-empty prefix of a vector is an error or a different message, never a trap.
    @Test func truncatedVectorsNeverDecodeToTheWhole() throws {
        for vector in try RelayVectors.messages() {
            for cut in 1..<vector.message.count {
                let prefix = Array(vector.message.prefix(cut))
                if vector.isHop {
                    #expect((try? HopMessage(bytes: prefix)) != (try HopMessage(bytes: vector.message)))
                } else {
                    #expect((try? StopMessage(bytes: prefix)) != (try StopMessage(bytes: vector.message)))
                }
                // Framed, a prefix only asks for more bytes.
                #expect(try HopMessage.unframe(Array(vector.framed.prefix(cut))) == nil, "\(vector.name) \(cut)")
            }
        }
    }

    /// A message of exactly `maxSize` bytes decodes; one byte more is `tooLarge`.
    @Test func sizeLimit() throws {
        #expect(RelayMessage.maxSize == 4096)
        let fits: [UInt8] = [0x08, 0x00, 0x32, 0xfb, 0x1f] + [UInt8](repeating: 0, count: 4091)
        #expect(fits.count == 4096)
        #expect(try HopMessage(bytes: fits) == .reserve)
        let over = [0x08, 0x00, 0x32, 0xfc, 0x1f] + [UInt8](repeating: 0, count: 4092)
        #expect(throws: RelayError.tooLarge(limit: 4096)) { try HopMessage(bytes: over) }
        #expect(throws: RelayError.tooLarge(limit: 4096)) { try StopMessage(bytes: over) }
        #expect(throws: RelayError.tooLarge(limit: 4096)) { try HopMessage.unframe(LengthPrefixedFramer.frame(over)) }
        #expect(try HopMessage.unframe(LengthPrefixedFramer.frame(fits))?.message == .reserve)
    }

    /// Framing: incomplete input asks for more, a declared length over the limit fails as soon as the prefix is
    /// complete (before any body arrives), a bad prefix is malformed.
    @Test func framingErrors() throws {
        #expect(try HopMessage.unframe([]) == nil)
        #expect(try HopMessage.unframe([0x02, 0x08]) == nil)
        #expect(try HopMessage.unframe([0x80, 0x20]) == nil)  // 4096: waits for the body
        #expect(throws: RelayError.tooLarge(limit: 4096)) { try HopMessage.unframe([0x81, 0x20]) }  // 4097
        #expect(throws: RelayError.tooLarge(limit: 4096)) { try StopMessage.unframe([0xff, 0xff, 0x03]) }
        #expect(throws: RelayError.malformed(.nonMinimalVarint)) { try HopMessage.unframe([0x81, 0x00]) }
        #expect(throws: RelayError.malformed(.varintTooLong)) {
            try HopMessage.unframe([UInt8](repeating: 0xff, count: 9))
        }
        #expect(throws: RelayError.malformed(.truncated)) { try HopMessage.unframe([0x01, 0x08]) }
        var small = LengthPrefixedFramer(maxFrameSize: 10)
        small.append([0x0b] + [UInt8](repeating: 0, count: 11))
        #expect(throws: RelayError.tooLarge(limit: 10)) { try HopMessage.next(from: &small) }
    }

    /// The bytes behind a message belong to the circuit: `unframe` returns them, and a stream's framer keeps them
    /// whether the input arrives at once or byte by byte.
    @Test func bytesBehindAMessageAreKept() throws {
        let connect = try RelayVectors.message("stop CONNECT from peer R-client (relay -> target)")
        let status = try RelayVectors.message("stop STATUS OK (target -> relay)")
        let circuit = Array("/multistream/1.0.0\n".utf8)
        let (first, rest) = try #require(try StopMessage.unframe(connect.framed + status.framed + circuit))
        #expect(first.type == .connect && first.limit == .default)
        let (second, tail) = try #require(try StopMessage.unframe(rest))
        #expect(second == .status(.ok) && tail == circuit)

        var framer = RelayMessage.makeFramer()
        var decoded: [StopMessage] = []
        for byte in connect.framed + circuit {
            framer.append([byte])
            if let message = try StopMessage.next(from: &framer) { decoded.append(message) }
        }
        #expect(decoded == [first])
        #expect(framer.takeRemaining() == circuit)
    }

    /// Random bytes and mutated vectors never trap, and whatever decodes re-encodes to a fixed point (the fuzz
    /// target's invariants, `RelayHarness.message`).
    @Test func randomAndMutatedInputsNeverTrap() throws {
        let seeds = try RelayVectors.messages().flatMap { [$0.message, $0.framed] }
        var rng = SeededGenerator.fromEnvironment("RelayMessage")
        for round in 0..<6000 {
            var bytes = seeds[round % seeds.count]
            switch round % 4 {
            case 0: bytes = rng.bytes(maxCount: 300)
            case 1:
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            case 2:
                bytes.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...bytes.count, using: &rng))
            default: bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)))
            }
            RelayHarness.message(bytes, check: .recordingIssues)
        }
    }
}
