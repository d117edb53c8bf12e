/// A minimal CIDv1: `uvarint(1) || uvarint(content codec) || multihash`, text form multibase.
///
/// Only what libp2p needs (peer IDs as `libp2p-key` CIDs). CIDv0 (a bare base58 sha2-256
/// multihash, `Qm…`) is not a CID here: callers that accept it parse it as a multihash.
public struct CID: Hashable, Sendable {
    /// The CID version this type handles.
    public static let version1: UInt64 = 1
    /// The `libp2p-key` multicodec (a peer ID's public key multihash).
    public static let libp2pKeyCodec: UInt64 = 0x72

    /// The content codec (multicodec).
    public let codec: UInt64
    /// The multihash.
    public let multihash: Multihash

    /// Creates a CIDv1.
    public init(codec: UInt64, multihash: Multihash) {
        self.codec = codec
        self.multihash = multihash
    }

    /// Decodes binary CIDv1 bytes, which must be fully consumed.
    public init(bytes: [UInt8]) throws(CIDError) {
        var reader = ByteReader(bytes)
        do {
            let version = try reader.readUVarint()
            guard version == Self.version1 else { throw CIDError.unsupportedVersion(version) }
            codec = try reader.readUVarint()
            multihash = try Multihash(reading: &reader)
            guard reader.isAtEnd else { throw CIDError.malformed(.trailingBytes) }
        } catch let error as CIDError {
            throw error
        } catch let error as WireError {
            throw .malformed(error)
        } catch {
            throw .malformed(.truncated)
        }
    }

    /// Parses the multibase text form.
    /// - Parameter encodings: the bases accepted; others throw ``CIDError/unsupportedMultibase``.
    public init(
        string: String, encodings: Set<Multibase.Encoding> = Set(Multibase.Encoding.allCases),
        maxEncodedLength: Int = Multibase.defaultMaxEncodedLength
    ) throws(CIDError) {
        guard let first = string.utf8.first, let encoding = Multibase.Encoding(prefix: first),
            encodings.contains(encoding)
        else { throw .unsupportedMultibase }
        let decoded: [UInt8]
        do {
            decoded = try Multibase.decode(string, maxEncodedLength: maxEncodedLength).bytes
        } catch {
            throw .invalidEncoding(error)
        }
        try self.init(bytes: decoded)
    }

    /// The binary form.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        UVarint.append(Self.version1, to: &out)
        UVarint.append(codec, to: &out)
        return out + multihash.bytes
    }

    /// The text form in `encoding` (default base32 lower case, `b…`).
    public func string(_ encoding: Multibase.Encoding = .base32) -> String {
        Multibase.encode(bytes, as: encoding)
    }
}

/// Errors parsing a CID.
public enum CIDError: Error, Equatable, Sendable {
    /// The text is empty or its multibase prefix is not supported (or not allowed by the caller).
    case unsupportedMultibase
    /// The multibase text did not decode.
    case invalidEncoding(WireError)
    /// The version is not 1.
    case unsupportedVersion(UInt64)
    /// The binary form is truncated, has bad varints, or has trailing bytes.
    case malformed(WireError)
}
