/// Multibase (`multiformats/multibase`): a one-character prefix naming the base, then the text.
///
/// Only the bases libp2p meets are supported: base16 (`f`/`F`), base32 without padding
/// (`b`/`B`, RFC 4648 alphabet), base36 (`k`/`K`), base58btc (`z`), base64 and base64url without
/// padding (`m`, `u`). Decoding is case-insensitive for base16/32/36 (as the multibase test
/// suite requires), rejects padding characters and non-zero trailing bits, and bounds the input
/// length before doing any work.
public enum Multibase {
    /// A supported base.
    public enum Encoding: Sendable, Hashable, CaseIterable {
        case base16, base16upper
        case base32, base32upper
        case base36, base36upper
        case base58btc
        case base64, base64url

        /// The prefix character.
        public var prefix: UInt8 {
            switch self {
            case .base16: UInt8(ascii: "f")
            case .base16upper: UInt8(ascii: "F")
            case .base32: UInt8(ascii: "b")
            case .base32upper: UInt8(ascii: "B")
            case .base36: UInt8(ascii: "k")
            case .base36upper: UInt8(ascii: "K")
            case .base58btc: UInt8(ascii: "z")
            case .base64: UInt8(ascii: "m")
            case .base64url: UInt8(ascii: "u")
            }
        }

        /// The encoding named by `prefix`, or `nil` for an unsupported prefix.
        public init?(prefix: UInt8) {
            guard let e = Encoding.allCases.first(where: { $0.prefix == prefix }) else { return nil }
            self = e
        }
    }

    /// The default bound on decoder input, in UTF-8 bytes (prefix included).
    public static let defaultMaxEncodedLength = 1024

    static let base32Alphabet: [UInt8] = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)
    static let base36Alphabet: [UInt8] = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)
    static let base64Alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let base64URLAlphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Decodes a multibase string.
    /// - Returns: the encoding named by the prefix and the decoded bytes.
    /// - Throws: ``WireError/truncated`` for an empty string, ``WireError/inputTooLarge(limit:)``,
    ///   ``WireError/invalidCharacter`` for an unsupported prefix, a character outside the
    ///   alphabet, an impossible length or non-zero trailing bits.
    public static func decode(_ string: String, maxEncodedLength: Int = defaultMaxEncodedLength) throws(WireError)
        -> (encoding: Encoding, bytes: [UInt8])
    {
        let chars = Array(string.utf8.prefix(maxEncodedLength + 1))
        guard chars.count <= maxEncodedLength else { throw .inputTooLarge(limit: maxEncodedLength) }
        guard let first = chars.first else { throw .truncated }
        guard let encoding = Encoding(prefix: first) else { throw .invalidCharacter }
        let body = chars[1...]
        let bytes: [UInt8]
        switch encoding {
        case .base16, .base16upper:
            bytes = try decodeBase16(body)
        case .base32, .base32upper:
            bytes = try decodeBits(body, bitsPerChar: 5, value: base32Value)
        case .base36, .base36upper:
            bytes = try BigBase.decode(body, base: 36, zeroDigit: UInt8(ascii: "0"), value: base36Value)
        case .base58btc:
            bytes = try Base58.decode(String(decoding: body, as: UTF8.self), maxEncodedLength: maxEncodedLength)
        case .base64:
            bytes = try decodeBits(body, bitsPerChar: 6, value: { base64Value($0, url: false) })
        case .base64url:
            bytes = try decodeBits(body, bitsPerChar: 6, value: { base64Value($0, url: true) })
        }
        return (encoding, bytes)
    }

    /// Encodes `bytes` with `encoding`, prefix included (no padding).
    public static func encode<C: Collection>(_ bytes: C, as encoding: Encoding) -> String where C.Element == UInt8 {
        let input = Array(bytes)
        var out: [UInt8] = [encoding.prefix]
        switch encoding {
        case .base16:
            out += Array(Hex.encode(input).utf8)
        case .base16upper:
            out += Array(Hex.encode(input).uppercased().utf8)
        case .base32:
            out += encodeBits(input, bitsPerChar: 5, alphabet: base32Alphabet)
        case .base32upper:
            out += encodeBits(input, bitsPerChar: 5, alphabet: base32Alphabet).map(upper)
        case .base36:
            out += BigBase.encode(input, alphabet: base36Alphabet)
        case .base36upper:
            out += BigBase.encode(input, alphabet: base36Alphabet).map(upper)
        case .base58btc:
            out += Array(Base58.encode(input).utf8)
        case .base64:
            out += encodeBits(input, bitsPerChar: 6, alphabet: base64Alphabet)
        case .base64url:
            out += encodeBits(input, bitsPerChar: 6, alphabet: base64URLAlphabet)
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - Digit tables

    private static func upper(_ c: UInt8) -> UInt8 {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) ? c - 32 : c
    }

    private static func base32Value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"): c - UInt8(ascii: "a")
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): c - UInt8(ascii: "A")
        case UInt8(ascii: "2")...UInt8(ascii: "7"): c - UInt8(ascii: "2") + 26
        default: nil
        }
    }

    private static func base36Value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func base64Value(_ c: UInt8, url: Bool) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): c - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): c - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+") where !url, UInt8(ascii: "-") where url: 62
        case UInt8(ascii: "/") where !url, UInt8(ascii: "_") where url: 63
        default: nil
        }
    }

    // MARK: - Codecs

    private static func decodeBase16(_ body: ArraySlice<UInt8>) throws(WireError) -> [UInt8] {
        guard body.count % 2 == 0 else { throw .oddLength }
        return try Hex.decode(String(decoding: body, as: UTF8.self))
    }

    /// RFC 4648 bit-packing decode without padding; rejects impossible lengths and non-zero trailing bits.
    private static func decodeBits(
        _ body: ArraySlice<UInt8>, bitsPerChar: Int, value: (UInt8) -> UInt8?
    ) throws(WireError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count * bitsPerChar / 8)
        var buffer: UInt32 = 0
        var bits = 0
        for c in body {
            guard let v = value(c) else { throw .invalidCharacter }
            buffer = (buffer << UInt32(bitsPerChar)) | UInt32(v)
            bits += bitsPerChar
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
                buffer &= (1 << UInt32(bits)) - 1
            }
        }
        // Leftover bits must be fewer than one character's worth and all zero.
        guard bits < bitsPerChar, buffer == 0 else { throw .invalidCharacter }
        return out
    }

    private static func encodeBits(_ input: [UInt8], bitsPerChar: Int, alphabet: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity((input.count * 8 + bitsPerChar - 1) / bitsPerChar)
        var buffer: UInt32 = 0
        var bits = 0
        let mask = UInt32((1 << bitsPerChar) - 1)
        for byte in input {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= bitsPerChar {
                bits -= bitsPerChar
                out.append(alphabet[Int((buffer >> UInt32(bits)) & mask)])
            }
            buffer &= (1 << UInt32(bits)) - 1
        }
        if bits > 0 { out.append(alphabet[Int((buffer << UInt32(bitsPerChar - bits)) & mask)]) }
        return out
    }
}
