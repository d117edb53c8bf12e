import Libp2pCore
import Relay
import Testing
import Wire

@Suite struct RelayVoucherTests {
    static let expiration: UInt64 = 1_700_003_600

    /// The vector's envelope decodes and verifies with the relay as the signer, its payload and signing buffer are
    /// the documented bytes, and sealing the voucher again with the relay's key reproduces the envelope (Ed25519 is
    /// deterministic).
    @Test func vectorOpensAndReseals() throws {
        let file = try RelayVectors.envelopes()
        let entry = try file.entry("relay_reservation_voucher")
        let relay = try file.key("relay")
        let peerA = try file.key("peer_a")
        let bytes = try Hex.decode(entry.envelope_hex)
        let envelope = try SignedEnvelope(bytes: bytes)
        #expect(entry.domain == RelayVoucher.domain)
        #expect(entry.payload_type_hex == Hex.encode(RelayVoucher.payloadType))
        #expect(envelope.payloadType == RelayVoucher.payloadType)
        #expect(envelope.publicKey.peerID == relay.peerID)
        #expect(envelope.isValid(domain: RelayVoucher.domain))
        #expect(
            SignedEnvelope.signingBuffer(
                domain: RelayVoucher.domain, payloadType: envelope.payloadType, payload: envelope.payload)
                == (try Hex.decode(try #require(entry.unsigned_buffer_hex))))

        let voucher = try RelayVoucher.open(envelope)
        #expect(voucher == RelayVoucher(relay: relay.peerID, peer: peerA.peerID, expiration: Self.expiration))
        #expect(voucher.relay.base58 == (try #require(file.keys["relay"])).peer_id)
        #expect(voucher.peer.base58 == (try #require(file.keys["peer_a"])).peer_id)
        #expect(voucher.payload == (try Hex.decode(try #require(entry.payload_hex))))
        #expect(try RelayVoucher(payload: voucher.payload) == voucher)
        #expect(try RelayVoucher.open(bytes: bytes) == voucher)
        #expect(try voucher.sealed(with: relay).bytes == bytes)
    }

    /// The reservation reply vector carries the same voucher, for the reservation's expiry, next to the relay's
    /// address ending in its `/p2p/<relay>`.
    @Test func theReservationVectorCarriesTheVoucher() throws {
        let file = try RelayVectors.envelopes()
        let vector = try RelayVectors.message("hop STATUS OK with reservation + limit (relay -> client)")
        let reservation = try #require(try HopMessage(bytes: vector.message).reservation)
        let voucherBytes = try #require(reservation.voucher)
        #expect(voucherBytes == (try Hex.decode(try file.entry("relay_reservation_voucher").envelope_hex)))
        let voucher = try RelayVoucher.open(bytes: voucherBytes)
        #expect(voucher.expiration == reservation.expire)
        let address = try Multiaddr(bytes: try #require(reservation.addrs.first))
        #expect(address.description.hasSuffix("/p2p/\(voucher.relay)"))
    }

    /// Only the relay may seal or sign a voucher, only under its domain and payload type, and only for the payload
    /// it signed.
    @Test func refusals() throws {
        let file = try RelayVectors.envelopes()
        let relay = try file.key("relay")
        let peerA = try file.key("peer_a")
        let voucher = RelayVoucher(relay: relay.peerID, peer: peerA.peerID, expiration: Self.expiration)

        #expect(throws: EnvelopeError.peerMismatch) { try voucher.sealed(with: peerA) }
        // Signed by the relay under another domain.
        let otherDomain = try SignedEnvelope(
            signing: voucher.payload, payloadType: RelayVoucher.payloadType, domain: "libp2p-peer-record", with: relay)
        #expect(throws: EnvelopeError.badSignature) { try RelayVoucher.open(otherDomain) }
        // Signed under the voucher domain by a key that is not the voucher's relay.
        let otherSigner = try SignedEnvelope(
            signing: voucher.payload, payloadType: RelayVoucher.payloadType, domain: RelayVoucher.domain, with: peerA)
        #expect(throws: EnvelopeError.peerMismatch) { try RelayVoucher.open(otherSigner) }
        // A peer record is not a voucher.
        let record = try SignedEnvelope(bytes: Hex.decode(try file.entry("peer_record_standard").envelope_hex))
        #expect(throws: EnvelopeError.wrongPayloadType) { try RelayVoucher.open(record) }
        // The last payload byte (the expiration's last varint byte) changed: the signature fails.
        var tampered = try Hex.decode(try file.entry("relay_reservation_voucher").envelope_hex)
        let lastPayloadByte = tampered.count - 66 - 1
        #expect(tampered[lastPayloadByte] == 0x06)
        tampered[lastPayloadByte] = 0x07
        #expect(throws: EnvelopeError.badSignature) { try RelayVoucher.open(bytes: tampered) }
        #expect(throws: EnvelopeError.malformed(.truncated)) { try RelayVoucher.open(bytes: [0x0a, 0x05]) }
    }

    /// Payloads: a missing or invalid peer ID is refused, malformed bytes are errors, unknown fields are skipped, and
    /// an expiration of 0 is omitted (go's proto3 encoding).
    @Test func payloads() throws {
        let file = try RelayVectors.envelopes()
        let voucher = RelayVoucher(
            relay: try file.key("relay").peerID, peer: try file.key("peer_a").peerID, expiration: Self.expiration)
        var onlyRelay = ProtobufWriter()
        onlyRelay.writeBytes(field: 1, voucher.relay.bytes)
        onlyRelay.writeVarint(field: 3, 1)
        #expect(throws: EnvelopeError.invalidPeerID) { try RelayVoucher(payload: onlyRelay.bytes) }
        var badPeer = onlyRelay
        badPeer.writeBytes(field: 2, [0x00, 0x02, 0x01])
        #expect(throws: EnvelopeError.invalidPeerID) { try RelayVoucher(payload: badPeer.bytes) }
        #expect(throws: EnvelopeError.malformed(.truncated)) { try RelayVoucher(payload: [0x0a, 0x26, 0x00]) }
        #expect(throws: EnvelopeError.malformed(.unexpectedWireType(field: 3))) {
            try RelayVoucher(payload: voucher.payload + [0x1a, 0x00])
        }
        #expect(try RelayVoucher(payload: voucher.payload + [0x22, 0x01, 0xff, 0x28, 0x05]) == voucher)

        var never = voucher
        never.expiration = 0
        #expect(never.payload == Array(voucher.payload.dropLast(1 + UVarint.encodedLength(Self.expiration))))
        #expect(try RelayVoucher(payload: never.payload) == never)
    }

    /// With fresh keys: seal, encode, decode and open give the voucher back.
    @Test func freshKeysRoundTrip() throws {
        let relay = Libp2pPrivateKey.generateEd25519()
        let voucher = RelayVoucher(
            relay: relay.peerID, peer: Libp2pPrivateKey.generateEd25519().peerID, expiration: UInt64.max >> 1)
        let envelope = try voucher.sealed(with: relay)
        #expect(try RelayVoucher.open(bytes: envelope.bytes) == voucher)
        #expect(try RelayVoucher.open(envelope) == voucher)
    }
}
