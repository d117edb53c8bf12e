import Wire

/// Wire: protobuf reader, uvarint, base58, multihash.
public enum WireHarness {
    /// `ProtobufReader`: fields read from the input re-encode (canonically, never longer than the input) to bytes
    /// that read back as the same fields; the typed accessors never trap.
    public static func protobuf(_ bytes: [UInt8], check: FuzzCheck) {
        guard var reader = try? ProtobufReader(bytes, maxMessageSize: 4096),
            let fields = try? reader.readAll()
        else { return }
        var writer = ProtobufWriter()
        for field in fields {
            _ = try? field.varint()
            _ = try? field.bool()
            _ = try? field.bytes()
            _ = try? field.string()
            _ = try? field.fixed32()
            _ = try? field.fixed64()
            switch field.value {
            case .varint(let v): writer.writeVarint(field: field.number, v)
            case .fixed64(let v): writer.writeFixed64(field: field.number, v)
            case .fixed32(let v): writer.writeFixed32(field: field.number, v)
            case .lengthDelimited(let v): writer.writeBytes(field: field.number, v)
            }
        }
        check(writer.bytes.count <= bytes.count, "canonical re-encoding is longer than the input")
        var again = try? ProtobufReader(writer.bytes, maxMessageSize: 4096)
        check((try? again?.readAll()) == fields, "re-encoded fields read back differently")
    }

    /// `UVarint.decode`: a decoded prefix is the minimal encoding of its value (so it re-encodes to the same bytes);
    /// `decode(exactly:)` agrees; `ByteReader`'s varint readers never trap.
    public static func uvarint(_ bytes: [UInt8], check: FuzzCheck) {
        if let (value, length) = try? UVarint.decode(prefixOf: bytes) {
            check(length >= 1 && length <= UVarint.maxLength && length <= bytes.count, "length \(length) out of range")
            check(value <= UVarint.maxValue, "value above maxValue")
            check(UVarint.encode(value) == Array(bytes[0..<length]), "decoded prefix is not the value's encoding")
            check(UVarint.encodedLength(value) == length, "encodedLength differs")
            let exact = try? UVarint.decode(exactly: bytes)
            check((exact != nil) == (length == bytes.count), "decode(exactly:) disagrees with decode(prefixOf:)")
        } else {
            check(
                (try? UVarint.decode(exactly: bytes)) == nil, "decode(exactly:) accepts what decode(prefixOf:) rejects")
        }
        var reader = ByteReader(bytes)
        _ = try? reader.readProtobufVarint()
        _ = try? reader.readUVarint()
        _ = try? reader.readLengthPrefixedBytes(maxLength: 64)
    }

    /// `Base58`: the input as text decodes only if it re-encodes to the same text; the input as bytes encodes to
    /// text that decodes back to the same bytes.
    public static func base58(_ bytes: [UInt8], check: FuzzCheck) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let decoded = try? Base58.decode(text) {
            check(Base58.encode(decoded) == text, "decode then encode does not give the text back")
        }
        let encoded = Base58.encode(bytes)
        let limit = max(Base58.defaultMaxEncodedLength, encoded.utf8.count)
        check((try? Base58.decode(encoded, maxEncodedLength: limit)) == bytes, "encode then decode differs")
    }

    /// `Multihash(bytes:)`: an accepted multihash re-encodes to the input, digest within the limit.
    public static func multihash(_ bytes: [UInt8], check: FuzzCheck) {
        guard let multihash = try? Multihash(bytes: bytes) else { return }
        check(multihash.bytes == bytes, "multihash re-encodes differently")
        check(multihash.digest.count <= Multihash.defaultMaxDigestLength, "digest over the limit")
        var reader = ByteReader(bytes)
        check((try? Multihash(reading: &reader)) == multihash && reader.isAtEnd, "init(reading:) disagrees")
    }
}
