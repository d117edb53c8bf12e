import Libp2pCore
import TestSupport
import Testing
import Wire

@Suite struct SignedEnvelopeTests {
    typealias File = SignedEnvelopeVectors

    static func file() throws -> File { try VectorLoader.load(File.self, "signed_envelopes") }

    static func hex(_ text: String?) throws -> [UInt8] { try #require(text.flatMap { try? Hex.decode($0) }) }

    static func envelope(_ name: String) throws -> (File.Case, SignedEnvelope) {
        let entry = try #require(try file().cases.first { $0.name == name })
        return (entry, try SignedEnvelope(bytes: try hex(entry.envelope_hex)))
    }

    /// The standard record: decodes, re-encodes byte-exact, signing buffer as documented, opens to its fields, and
    /// signing it again with the same key reproduces the envelope (Ed25519 is deterministic).
    @Test func standardPeerRecord() throws {
        let (entry, envelope) = try Self.envelope("peer_record_standard")
        #expect(envelope.bytes == (try Self.hex(entry.envelope_hex)))
        #expect(
            SignedEnvelope.signingBuffer(
                domain: try #require(entry.domain), payloadType: envelope.payloadType, payload: envelope.payload)
                == (try Self.hex(entry.unsigned_buffer_hex)))
        let record = try PeerRecord.open(envelope)
        #expect(record.peerID.description == "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq")
        #expect(record.sequence == 1_700_000_000)
        #expect(record.addresses.map(\.description) == ["/ip4/192.0.2.1/tcp/4001", "/ip6/2001:db8::1/tcp/4001/ws"])
        #expect(record.payload == envelope.payload)

        let key = try Libp2pPrivateKey(
            protobufBytes: try Self.hex(try #require(try Self.file().keys["peer_a"]).private_key_protobuf_hex))
        #expect(try record.sealed(with: key).bytes == envelope.bytes)
        #expect(throws: EnvelopeError.peerMismatch) { try record.sealed(with: Libp2pPrivateKey.generateEd25519()) }
    }

    /// rust-libp2p's legacy domain and payload type are accepted, and a signature is bound to its domain.
    @Test func legacyRustRecordOpensUnderItsOwnDomainOnly() throws {
        let (_, envelope) = try Self.envelope("peer_record_rust_legacy")
        #expect(try PeerRecord.open(envelope).sequence == 1_700_000_000)
        #expect(envelope.isValid(domain: PeerRecord.legacyDomain))
        #expect(!envelope.isValid(domain: PeerRecord.domain))
    }

    @Test func relayVoucherIsNotAPeerRecord() throws {
        let (_, envelope) = try Self.envelope("relay_reservation_voucher")
        #expect(envelope.isValid(domain: "libp2p-relay-rsvp"))
        #expect(throws: EnvelopeError.wrongPayloadType) { try PeerRecord.open(envelope) }
    }

    @Test func tamperedPayloadFailsTheSignatureCheck() throws {
        let (_, envelope) = try Self.envelope("peer_record_tampered_payload")
        #expect(throws: EnvelopeError.badSignature) { try PeerRecord.open(envelope) }
    }

    @Test func emptyDomainOrTypeIsRefused() {
        let key = Libp2pPrivateKey.generateEd25519()
        #expect(throws: EnvelopeError.emptyDomainOrType) {
            try SignedEnvelope(signing: [1], payloadType: [], domain: "d", with: key)
        }
        #expect(throws: EnvelopeError.emptyDomainOrType) {
            try SignedEnvelope(signing: [1], payloadType: [1], domain: "", with: key)
        }
    }

    @Test func randomAndMutatedEnvelopesNeverTrap() throws {
        let (_, envelope) = try Self.envelope("peer_record_standard")
        var rng = SeededGenerator.fromEnvironment("SignedEnvelope")
        for round in 0..<3000 {
            var bytes = round % 2 == 0 ? rng.bytes(maxCount: 300) : envelope.bytes
            if round % 2 == 1 {
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            if let decoded = try? SignedEnvelope(bytes: bytes) {
                _ = try? PeerRecord.open(decoded)
            }
            _ = try? PeerRecord(payload: bytes)
        }
    }
}
