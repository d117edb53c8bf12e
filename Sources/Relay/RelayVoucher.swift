import Libp2pCore
import Wire

/// A reservation voucher (circuit relay v2 spec, "Reservation Vouchers"): the relay's signed statement that it
/// serves `peer` until `expiration`, carried in ``RelayReservation/voucher`` as a ``SignedEnvelope`` with domain
/// `libp2p-relay-rsvp` and payload type `03 02` (multicodec 0x0302 as a uvarint, like the peer record's 0x0301).
///
/// ```
/// message Voucher { required bytes relay = 1; required bytes peer = 2; required uint64 expiration = 3; }
/// ```
///
/// The payload is canonical: fields in number order, minimal varints, no other fields. This is byte-exact with
/// go-libp2p's `ReservationVoucher.MarshalRecord` (proto3, so an `expiration` of 0 is omitted; real vouchers never
/// have one). go clients verify a voucher they receive and drop the reservation when it does not verify; rust relays
/// send none.
public struct RelayVoucher: Equatable, Sendable {
    public static let domain = "libp2p-relay-rsvp"
    public static let payloadType: [UInt8] = [0x03, 0x02]

    /// The relay: the envelope's signer.
    public var relay: PeerID
    /// The reserving peer.
    public var peer: PeerID
    /// When the reservation ends: absolute Unix time in seconds (UTC), the reservation's `expire`.
    public var expiration: UInt64

    public init(relay: PeerID, peer: PeerID, expiration: UInt64) {
        self.relay = relay
        self.peer = peer
        self.expiration = expiration
    }

    /// Decodes a voucher payload. Unknown fields are skipped (the signature covers the bytes as received); a missing
    /// or invalid peer ID is ``EnvelopeError/invalidPeerID``.
    public init(payload: [UInt8]) throws(EnvelopeError) {
        var relay: [UInt8] = []
        var peer: [UInt8] = []
        var expiration: UInt64 = 0
        do throws(WireError) {
            var reader = try ProtobufReader(payload, maxMessageSize: RelayMessage.maxSize)
            while let field = try reader.next() {
                switch field.number {
                case 1: relay = try field.bytes()
                case 2: peer = try field.bytes()
                case 3: expiration = try field.varint()
                default: continue
                }
            }
        } catch {
            throw .malformed(error)
        }
        guard let relayID = try? PeerID(multihashBytes: relay), let peerID = try? PeerID(multihashBytes: peer) else {
            throw .invalidPeerID
        }
        self.init(relay: relayID, peer: peerID, expiration: expiration)
    }

    /// The canonical payload encoding.
    public var payload: [UInt8] {
        var writer = ProtobufWriter()
        writer.writeBytes(field: 1, relay.bytes)
        writer.writeBytes(field: 2, peer.bytes)
        if expiration != 0 { writer.writeVarint(field: 3, expiration) }
        return writer.bytes
    }

    /// Signs the voucher into its envelope (``SignedEnvelope/bytes`` goes into ``RelayReservation/voucher``). The key
    /// must be the relay's.
    public func sealed(with key: Libp2pPrivateKey) throws(EnvelopeError) -> SignedEnvelope {
        guard key.peerID == relay else { throw .peerMismatch }
        return try SignedEnvelope(signing: payload, payloadType: Self.payloadType, domain: Self.domain, with: key)
    }

    /// Opens a received voucher envelope: payload type and signature checked before the payload is parsed, and the
    /// voucher's relay must be the signer.
    public static func open(_ envelope: SignedEnvelope) throws(EnvelopeError) -> RelayVoucher {
        guard envelope.payloadType == payloadType else { throw .wrongPayloadType }
        guard envelope.isValid(domain: domain) else { throw .badSignature }
        let voucher = try RelayVoucher(payload: envelope.payload)
        guard voucher.relay == envelope.publicKey.peerID else { throw .peerMismatch }
        return voucher
    }

    /// Decodes and opens the bytes of ``RelayReservation/voucher``.
    public static func open(bytes: [UInt8]) throws(EnvelopeError) -> RelayVoucher {
        try open(SignedEnvelope(bytes: bytes))
    }
}
