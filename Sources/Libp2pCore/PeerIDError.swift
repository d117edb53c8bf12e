import Wire

/// Errors parsing a peer ID.
public enum PeerIDError: Error, Equatable, Sendable {
    /// The text is empty or not valid base58.
    case invalidEncoding(WireError)
    /// The text is neither a base58 multihash nor a CIDv1 (base32/base36) with the libp2p-key codec.
    case unsupportedTextForm
    /// The bytes are not a well-formed multihash.
    case malformedMultihash(WireError)
    /// The multihash code is neither identity (0x00) nor sha2-256 (0x12).
    case unsupportedMultihashCode(UInt64)
    /// The digest length does not fit the code: identity longer than 42 bytes, or sha2-256 not 32 bytes.
    case invalidDigestLength(code: UInt64, length: Int)
    /// An identity multihash did not hold a valid public key protobuf.
    case invalidInlineKey(KeyError)
    /// An identity multihash held a key protobuf that is not in canonical form, so it cannot be
    /// the peer ID of any key.
    case nonCanonicalInlineKey
}
