import Crypto
import Wire

/// A libp2p peer ID: the multihash of a public key's canonical `PublicKey` protobuf.
///
/// Keys whose protobuf is at most ``maxInlineKeyLength`` bytes (Ed25519, secp256k1) are
/// inlined with the identity multihash (`00 <len> <protobuf>`); larger ones (ECDSA, RSA) are
/// hashed with sha2-256 (`12 20 <digest>`). The text form is base58btc of the multihash
/// (`12D3KooW…`, `16Uiu2H…`, `Qm…`).
public struct PeerID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The largest key protobuf that is inlined with the identity multihash.
    public static let maxInlineKeyLength = 42
    /// The length of a sha2-256 digest.
    public static let sha256DigestLength = 32
    /// The longest text accepted by the parsers (a peer ID is at most ~60 characters).
    public static let maxTextLength = 128

    /// The multihash bytes (the binary form used in protobufs and `/p2p/` multiaddrs).
    public let bytes: [UInt8]

    /// Derives the peer ID of `publicKey`.
    public init(publicKey: Libp2pPublicKey) {
        let encoded = publicKey.protobufBytes
        let multihash =
            encoded.count <= Self.maxInlineKeyLength
            ? Multihash(code: Multihash.identityCode, digest: encoded)
            : Multihash(code: Multihash.sha2_256Code, digest: SHA256.hash(encoded))
        self.bytes = multihash.bytes
    }

    /// Validates and wraps binary multihash bytes.
    ///
    /// Accepts identity (0x00) multihashes of at most 42 bytes holding a valid key protobuf in
    /// canonical form, and sha2-256 (0x12) multihashes with a 32-byte digest; nothing may follow.
    public init(multihashBytes: [UInt8]) throws(PeerIDError) {
        let multihash: Multihash
        do {
            multihash = try Multihash(bytes: multihashBytes)
        } catch {
            throw .malformedMultihash(error)
        }
        switch multihash.code {
        case Multihash.identityCode:
            guard multihash.digest.count <= Self.maxInlineKeyLength else {
                throw .invalidDigestLength(code: multihash.code, length: multihash.digest.count)
            }
            let key: Libp2pPublicKey
            do {
                key = try Libp2pPublicKey(protobufBytes: multihash.digest)
            } catch {
                throw .invalidInlineKey(error)
            }
            guard key.protobufBytes == multihash.digest else { throw .nonCanonicalInlineKey }
        case Multihash.sha2_256Code:
            guard multihash.digest.count == Self.sha256DigestLength else {
                throw .invalidDigestLength(code: multihash.code, length: multihash.digest.count)
            }
        default:
            throw .unsupportedMultihashCode(multihash.code)
        }
        self.bytes = multihashBytes
    }

    /// Parses the legacy text form: base58btc of the multihash, no multibase prefix.
    public init(base58: String) throws(PeerIDError) {
        let decoded: [UInt8]
        do {
            decoded = try Base58.decode(base58, maxEncodedLength: Self.maxTextLength)
        } catch {
            throw .invalidEncoding(error)
        }
        guard !decoded.isEmpty else { throw .invalidEncoding(.truncated) }
        try self.init(multihashBytes: decoded)
    }

    /// Parses any supported text form. Per the spec, text starting with `1` or `Qm` is a base58
    /// multihash; otherwise it must be a CIDv1 with codec `libp2p-key` (0x72) in base32 (`b…`/`B…`)
    /// or base36 (`k…`/`K…`) multibase. Other prefixes, other CID versions and other codecs throw
    /// ``PeerIDError/unsupportedTextForm``.
    public init(string: String) throws(PeerIDError) {
        if string.hasPrefix("1") || string.hasPrefix("Qm") {
            try self.init(base58: string)
            return
        }
        let cid: CID
        do {
            cid = try CID(
                string: string, encodings: [.base32, .base32upper, .base36, .base36upper],
                maxEncodedLength: Self.maxTextLength)
        } catch {
            switch error {
            case .unsupportedMultibase, .unsupportedVersion: throw .unsupportedTextForm
            case .invalidEncoding(let e): throw .invalidEncoding(e)
            case .malformed(let e): throw .malformedMultihash(e)
            }
        }
        guard cid.codec == CID.libp2pKeyCodec else { throw .unsupportedTextForm }
        try self.init(multihashBytes: cid.multihash.bytes)
    }

    /// The CIDv1 text form (`libp2p-key`, base32 lower case: `bafz…`).
    public var cidString: String {
        CID(codec: CID.libp2pKeyCodec, multihash: multihash).string(.base32)
    }

    /// The multihash.
    public var multihash: Multihash {
        // `bytes` was validated (or built) as a multihash, so this cannot fail.
        (try? Multihash(bytes: bytes)) ?? Multihash(code: Multihash.identityCode, digest: [])
    }

    /// The public key, when it is inlined (identity multihash); `nil` for hashed keys.
    public var publicKey: Libp2pPublicKey? {
        let multihash = multihash
        guard multihash.code == Multihash.identityCode else { return nil }
        return try? Libp2pPublicKey(protobufBytes: multihash.digest)
    }

    /// Whether this is the peer ID of `publicKey`.
    public func matches(_ publicKey: Libp2pPublicKey) -> Bool {
        PeerID(publicKey: publicKey) == self
    }

    /// The base58btc text form (`12D3KooW…`).
    public var base58: String {
        Base58.encode(bytes)
    }

    /// The base58btc text form, as go-libp2p prints peer IDs.
    public var description: String { base58 }

    /// Orders by multihash bytes (lexicographic), for stable sorting.
    public static func < (lhs: PeerID, rhs: PeerID) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}
