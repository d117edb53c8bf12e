import Crypto
import Wire

/// A local libp2p identity key. Only Ed25519 keys can be local keys for now.
///
/// Never prints its secret: `description` and `dump` show the key type and peer ID only.
public struct Libp2pPrivateKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The underlying Ed25519 key (zeroed when released).
    public let ed25519: Ed25519PrivateKey

    /// The key type (always ``KeyType/ed25519`` for now).
    public var type: KeyType { .ed25519 }

    /// Wraps an Ed25519 key.
    public init(ed25519: Ed25519PrivateKey) {
        self.ed25519 = ed25519
    }

    /// Generates a new Ed25519 identity.
    public static func generateEd25519() -> Libp2pPrivateKey {
        Libp2pPrivateKey(ed25519: .generate())
    }

    /// Decodes a `PrivateKey` protobuf (the identity file format of go-libp2p and others).
    ///
    /// Ed25519 `Data` must be 64 bytes `seed || public` with the public half matching the seed,
    /// or the legacy 96-byte `seed || public || public` with both copies equal (go-libp2p still
    /// accepts it). A 32-byte seed-only form is rejected, as go-libp2p and rust-libp2p do.
    /// - Throws: ``KeyError/unsupportedKeyType(_:)`` for RSA, secp256k1 and ECDSA keys.
    public init(protobufBytes: [UInt8]) throws(KeyError) {
        var message = try PrivateKeyProtobuf(bytes: protobufBytes)
        defer { SecureMemory.zero(&message.data) }
        guard message.type == .ed25519 else { throw .unsupportedKeyType(message.type) }
        var data = message.data
        defer { SecureMemory.zero(&data) }
        if data.count == 96 {
            guard data[32..<64] == data[64..<96] else { throw .invalidKeyData(.ed25519) }
            data.removeLast(32)
        }
        guard data.count == Ed25519PrivateKey.libp2pByteCount else { throw .invalidKeyData(.ed25519) }
        do {
            self.ed25519 = try Ed25519PrivateKey(libp2pBytes: data)
        } catch {
            throw .crypto(error)
        }
    }

    /// The deterministic `PrivateKey` protobuf: type 1 and the 64-byte `seed || public`. Secret.
    public var protobufBytes: [UInt8] {
        PrivateKeyProtobuf(type: .ed25519, data: ed25519.libp2pBytes).bytes
    }

    /// The matching public key.
    public var publicKey: Libp2pPublicKey {
        Libp2pPublicKey(ed25519: ed25519.publicKey)
    }

    /// This identity's peer ID.
    public var peerID: PeerID {
        publicKey.peerID
    }

    /// Signs `message` with the identity key.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        ed25519.sign(message)
    }

    /// Redacted: `Libp2pPrivateKey(ed25519, <redacted>, peer: 12D3Koo…)`.
    public var description: String { "Libp2pPrivateKey(\(type), <redacted>, peer: \(peerID))" }

    /// Redacted, same as ``description``.
    public var debugDescription: String { description }

    /// Shows the key type only.
    public var customMirror: Mirror { Mirror(self, children: ["type": type]) }
}
