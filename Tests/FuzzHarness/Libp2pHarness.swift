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
}
