import Wire

/// A peer record (libp2p RFC 0003): a peer's addresses with a sequence number, carried in a ``SignedEnvelope``.
///
/// ```
/// message PeerRecord { bytes peer_id = 1; uint64 seq = 2; repeated AddressInfo addresses = 3;
///                      message AddressInfo { bytes multiaddr = 1; } }
/// ```
/// Waystone emits the form go, js, py and rust's interop API use (domain `libp2p-peer-record`, payload type
/// 0x0301) and accepts rust-libp2p's legacy form too (domain `libp2p-routing-state`, type
/// `/libp2p/routing-state-record`).
public struct PeerRecord: Equatable, Sendable {
    public static let domain = "libp2p-peer-record"
    public static let payloadType: [UInt8] = [0x03, 0x01]
    public static let legacyDomain = "libp2p-routing-state"
    public static let legacyPayloadType = Array("/libp2p/routing-state-record".utf8)
    /// Addresses kept from a received record (go keeps at most 500 per peer); later ones are ignored.
    public static let maxAddresses = 500

    public var peerID: PeerID
    public var sequence: UInt64
    public var addresses: [Multiaddr]

    public init(peerID: PeerID, sequence: UInt64, addresses: [Multiaddr]) {
        self.peerID = peerID
        self.sequence = sequence
        self.addresses = addresses
    }

    /// Decodes the payload of a peer-record envelope.
    public init(payload: [UInt8]) throws(EnvelopeError) {
        var id: PeerID?
        var sequence: UInt64 = 0
        var rawAddresses: [[UInt8]] = []
        do throws(WireError) {
            var reader = try ProtobufReader(payload, maxMessageSize: SignedEnvelope.maxEncodedSize)
            while let field = try reader.next() {
                switch field.number {
                case 1: id = try? PeerID(multihashBytes: try field.bytes())
                case 2: sequence = try field.varint()
                case 3:
                    guard rawAddresses.count < Self.maxAddresses else { break }
                    var info = try ProtobufReader(try field.bytes(), maxMessageSize: Multiaddr.maxLength + 16)
                    var multiaddr: [UInt8] = []
                    while let inner = try info.next() {
                        if inner.number == 1 { multiaddr = try inner.bytes() }
                    }
                    rawAddresses.append(multiaddr)
                default: continue
                }
            }
        } catch {
            throw .malformed(error)
        }
        guard let id else { throw .invalidPeerID }
        var addresses: [Multiaddr] = []
        for raw in rawAddresses {
            do throws(MultiaddrError) {
                addresses.append(try Multiaddr(bytes: raw))
            } catch {
                throw .invalidAddress(error)
            }
        }
        self.init(peerID: id, sequence: sequence, addresses: addresses)
    }

    /// The payload encoding (byte-exact with go's).
    public var payload: [UInt8] {
        var writer = ProtobufWriter()
        writer.writeBytes(field: 1, peerID.bytes)
        if sequence != 0 { writer.writeVarint(field: 2, sequence) }
        for address in addresses {
            var info = ProtobufWriter()
            info.writeBytes(field: 1, address.bytes)
            writer.writeMessage(field: 3, info)
        }
        return writer.bytes
    }

    /// Signs the record into the standard envelope. The key must be the record's peer.
    public func sealed(with key: Libp2pPrivateKey) throws(EnvelopeError) -> SignedEnvelope {
        guard key.peerID == peerID else { throw .peerMismatch }
        return try SignedEnvelope(signing: payload, payloadType: Self.payloadType, domain: Self.domain, with: key)
    }

    /// Opens a received envelope: the standard or the rust-legacy form, signature checked before the payload is
    /// parsed, and the record's peer must be the signer.
    public static func open(_ envelope: SignedEnvelope) throws(EnvelopeError) -> PeerRecord {
        let domain: String
        switch envelope.payloadType {
        case payloadType: domain = Self.domain
        case legacyPayloadType: domain = legacyDomain
        default: throw .wrongPayloadType
        }
        guard envelope.isValid(domain: domain) else { throw .badSignature }
        let record = try PeerRecord(payload: envelope.payload)
        guard record.peerID == envelope.publicKey.peerID else { throw .peerMismatch }
        return record
    }
}
