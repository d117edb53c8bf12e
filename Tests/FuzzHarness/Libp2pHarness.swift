import Libp2pCore
import Wire

/// Libp2pCore: peer IDs and key protobufs.
public enum Libp2pHarness {
    /// `PeerID(multihashBytes:)`: an accepted peer ID keeps the input, round-trips through base58, and (inline
    /// keys) yields a public key it matches. The input as text goes through `PeerID(string:)`.
    public static func peerID(_ bytes: [UInt8], check: FuzzCheck) {
        _ = try? PeerID(string: String(decoding: bytes, as: UTF8.self))
        guard let id = try? PeerID(multihashBytes: bytes) else { return }
        check(id.bytes == bytes, "peer ID bytes differ from the input")
        check(id.multihash.bytes == bytes, "peer ID multihash re-encodes differently")
        check((try? PeerID(base58: id.base58)) == id, "base58 round trip differs")
        if id.multihash.code == Multihash.identityCode {
            guard let key = id.publicKey else {
                check(false, "inline peer ID without a public key")
                return
            }
            check(id.matches(key), "inline key does not match its peer ID")
        }
    }

    /// `PublicKeyProtobuf(bytes:)` and `Libp2pPublicKey(protobufBytes:)`: decoding is idempotent over the canonical
    /// re-encoding, and a decoded key's peer ID is itself accepted.
    public static func publicKey(_ bytes: [UInt8], check: FuzzCheck) {
        if let message = try? PublicKeyProtobuf(bytes: bytes) {
            check(
                (try? PublicKeyProtobuf(bytes: message.bytes)) == message, "PublicKey protobuf re-decodes differently")
        }
        guard let key = try? Libp2pPublicKey(protobufBytes: bytes) else { return }
        check((try? Libp2pPublicKey(protobufBytes: key.protobufBytes)) == key, "public key re-decodes differently")
        let id = key.peerID
        check((try? PeerID(multihashBytes: id.bytes)) == id, "a decoded key's peer ID is rejected")
        _ = try? key.isValidSignature([UInt8](repeating: 0, count: 64), for: bytes)
    }

    /// `Libp2pPrivateKey(protobufBytes:)` (and `PrivateKeyProtobuf(bytes:)`): an accepted key re-encodes to a
    /// protobuf that decodes to the same peer ID, and its signatures verify.
    public static func privateKey(_ bytes: [UInt8], check: FuzzCheck) {
        _ = try? PrivateKeyProtobuf(bytes: bytes)
        guard let key = try? Libp2pPrivateKey(protobufBytes: bytes) else { return }
        check((try? Libp2pPrivateKey(protobufBytes: key.protobufBytes))?.peerID == key.peerID, "re-decode differs")
        let message = Array(bytes.prefix(32))
        check((try? key.publicKey.isValidSignature(key.sign(message), for: message)) == true, "signature fails")
    }

    /// `Multiaddr(bytes:)`: an accepted address keeps the input bytes, its components re-encode to them, and its
    /// text parses back to it. The input as text goes through `Multiaddr(_:)`: an accepted string's canonical text
    /// and bytes parse back to the same address.
    public static func multiaddr(_ bytes: [UInt8], check: FuzzCheck) {
        if let address = try? Multiaddr(bytes: bytes) {
            check(address.bytes == bytes, "multiaddr bytes differ from the input")
            check((try? Multiaddr(components: address.components))?.bytes == bytes, "components re-encode differently")
            check((try? Multiaddr(address.description)) == address, "text \(address) parses differently")
        }
        guard let address = try? Multiaddr(String(decoding: bytes, as: UTF8.self)) else { return }
        check(
            (try? Multiaddr(bytes: address.bytes)) == address, "bytes of parsed text \(address) re-decode differently")
        check((try? Multiaddr(address.description)) == address, "canonical text \(address) parses differently")
    }

    /// `SignedEnvelope(bytes:)`, `PeerRecord.open` and `PeerRecord(payload:)`: a decoded envelope re-encodes to
    /// bytes that decode equal; an opened record is signed by its own peer under the record domains and its payload
    /// re-decodes equal. The input as a payload goes through `PeerRecord(payload:)` (same round trip).
    public static func envelope(_ bytes: [UInt8], check: FuzzCheck) {
        if let record = try? PeerRecord(payload: bytes) {
            check((try? PeerRecord(payload: record.payload)) == record, "peer record re-decodes differently")
            check(record.addresses.count <= PeerRecord.maxAddresses, "more than maxAddresses")
        }
        guard let envelope = try? SignedEnvelope(bytes: bytes) else { return }
        check((try? SignedEnvelope(bytes: envelope.bytes)) == envelope, "envelope re-decodes differently")
        guard let record = try? PeerRecord.open(envelope) else { return }
        check(
            envelope.isValid(domain: PeerRecord.domain) || envelope.isValid(domain: PeerRecord.legacyDomain),
            "opened an envelope with no valid signature")
        check(record.peerID == envelope.publicKey.peerID, "opened a record of another peer")
        check((try? PeerRecord(payload: record.payload)) == record, "opened record re-decodes differently")
    }
}
