import Crypto
import Libp2pCore
import Wire

/// Why a Noise handshake or session failed. Every case ends the session.
public enum NoiseError: Error, Equatable, Sendable {
    /// A handshake message was shorter than its tokens need, or longer than 65535 bytes.
    case malformedHandshakeMessage
    /// A frame or handshake ciphertext did not authenticate.
    case decryptionFailed
    /// The remote's ephemeral or static key gave an all-zero X25519 shared secret.
    case invalidRemoteKey
    /// The 2^64 − 1 nonce limit was reached.
    case nonceExhausted
    /// A message to send would exceed 65535 bytes.
    case messageTooLarge
    /// A handshake step was called out of turn, or a transport call came before the handshake finished.
    case invalidState
    /// The handshake payload protobuf could not be parsed.
    case malformedPayload(WireError)
    /// The handshake payload had no `identity_key`.
    case missingIdentityKey
    /// The handshake payload had no `identity_sig`.
    case missingIdentitySignature
    /// The `identity_key` could not be decoded or used.
    case invalidIdentityKey(KeyError)
    /// `identity_sig` is not the identity key's signature of the remote static key.
    case invalidSignature
    /// The remote is not the peer the dialer expected.
    case peerIDMismatch(expected: PeerID, actual: PeerID)
    /// The crypto layer failed unexpectedly.
    case crypto(CryptoError)
}
