import Crypto
import Libp2pCore

/// This node's side of the libp2p Noise handshake that does not change between connections: a static X25519 key
/// and the payload carrying the identity key and its signature over that static key. Preparing it once saves a key
/// generation and a signature per handshake (rust-libp2p keeps one static key per transport; forward secrecy comes
/// from the per-connection ephemeral keys).
public struct NoiseLocalIdentity: Sendable {
    public let staticKey: X25519PrivateKey
    /// The encoded handshake payload.
    public let payload: [UInt8]

    public init(identity: Libp2pPrivateKey, staticKey: X25519PrivateKey) {
        self.staticKey = staticKey
        let signature = identity.sign(NoiseHandshakePayload.signedMessage(staticKey: staticKey.publicKey))
        payload =
            NoiseHandshakePayload(identityKey: identity.publicKey.protobufBytes, identitySignature: signature).bytes
    }

    /// With a fresh static key from `randomBytes` (asked for 32 bytes).
    public init(identity: Libp2pPrivateKey, randomBytes: (Int) -> [UInt8]) throws(NoiseError) {
        do {
            self.init(
                identity: identity,
                staticKey: try X25519PrivateKey(rawRepresentation: randomBytes(X25519PrivateKey.byteCount)))
        } catch {
            throw .crypto(error)
        }
    }
}
