/// A multihash: `uvarint(code) || uvarint(digest length) || digest`.
///
/// Only the structure is checked here; which codes and digest lengths a protocol accepts is its
/// own rule (peer IDs allow identity ≤ 42 bytes and sha2-256 with 32 bytes).
public struct Multihash: Hashable, Sendable {
    /// The identity "hash" (the digest is the input itself).
    public static let identityCode: UInt64 = 0x00
    /// SHA-256.
    public static let sha2_256Code: UInt64 = 0x12
    /// The default bound on digest length accepted when decoding.
    public static let defaultMaxDigestLength = 128

    /// The multicodec code of the hash function.
    public let code: UInt64
    /// The digest bytes.
    public let digest: [UInt8]

    /// Creates a multihash from its parts.
    public init(code: UInt64, digest: [UInt8]) {
        self.code = code
        self.digest = digest
    }

    /// Decodes a multihash that spans all of `bytes`.
    /// - Throws: ``WireError/lengthTooLarge(limit:)`` if the digest exceeds `maxDigestLength`,
    ///   ``WireError/truncated``, ``WireError/trailingBytes``, or a varint error.
    public init(bytes: [UInt8], maxDigestLength: Int = defaultMaxDigestLength) throws(WireError) {
        var reader = ByteReader(bytes)
        try self.init(reading: &reader, maxDigestLength: maxDigestLength)
        guard reader.isAtEnd else { throw .trailingBytes }
    }

    /// Reads one multihash from `reader`.
    public init(reading reader: inout ByteReader, maxDigestLength: Int = defaultMaxDigestLength) throws(WireError) {
        code = try reader.readUVarint()
        digest = try reader.readLengthPrefixedBytes(maxLength: maxDigestLength)
    }

    /// The encoded multihash.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(digest.count + 4)
        out.appendUVarint(code)
        out.appendLengthPrefixed(digest)
        return out
    }
}
