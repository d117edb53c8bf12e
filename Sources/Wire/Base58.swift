/// Base58 with the Bitcoin alphabet (`base58btc`), as used by legacy libp2p peer IDs.
///
/// Each leading zero byte encodes as a leading `1`. There is no multibase prefix here; the
/// multibase form is `z` followed by this encoding.
public enum Base58 {
    /// The Bitcoin alphabet.
    public static let alphabet: [UInt8] = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".utf8)

    /// The default bound on decoder input, in characters. A peer ID is at most 50-odd characters.
    public static let defaultMaxEncodedLength = 256

    /// The reverse table: ASCII code → digit value, 0xFF for characters outside the alphabet.
    private static let digitValues: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 128)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    /// Encodes `bytes` as base58btc.
    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let input = Array(bytes)
        let zeros = input.prefix(while: { $0 == 0 }).count
        // log(256)/log(58) ≈ 1.366, so 138/100 digits per byte is enough.
        var digits = [UInt8](repeating: 0, count: (input.count - zeros) * 138 / 100 + 1)
        var length = 0
        for byte in input[zeros...] {
            var carry = Int(byte)
            var i = 0
            var k = digits.count - 1
            while (carry != 0 || i < length) && k >= 0 {
                carry += 256 * Int(digits[k])
                digits[k] = UInt8(truncatingIfNeeded: carry % 58)
                carry /= 58
                i += 1
                k -= 1
            }
            length = i
        }
        var out = [UInt8](repeating: alphabet[0], count: zeros)
        out.reserveCapacity(zeros + length)
        for d in digits[(digits.count - length)...] { out.append(alphabet[Int(d)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes a base58btc string.
    /// - Parameter maxEncodedLength: inputs longer than this (in UTF-8 bytes) are rejected before decoding.
    /// - Throws: ``WireError/inputTooLarge(limit:)``, ``WireError/invalidCharacter``.
    public static func decode(_ string: String, maxEncodedLength: Int = defaultMaxEncodedLength) throws(WireError)
        -> [UInt8]
    {
        let chars = Array(string.utf8.prefix(maxEncodedLength + 1))
        guard chars.count <= maxEncodedLength else { throw .inputTooLarge(limit: maxEncodedLength) }
        let ones = chars.prefix(while: { $0 == alphabet[0] }).count
        // log(58)/log(256) ≈ 0.733.
        var bytes = [UInt8](repeating: 0, count: (chars.count - ones) * 733 / 1000 + 1)
        var length = 0
        for c in chars[ones...] {
            guard c < 128 else { throw .invalidCharacter }
            let value = digitValues[Int(c)]
            guard value != 0xFF else { throw .invalidCharacter }
            var carry = Int(value)
            var i = 0
            var k = bytes.count - 1
            while (carry != 0 || i < length) && k >= 0 {
                carry += 58 * Int(bytes[k])
                bytes[k] = UInt8(truncatingIfNeeded: carry)
                carry >>= 8
                i += 1
                k -= 1
            }
            length = i
        }
        return [UInt8](repeating: 0, count: ones) + bytes[(bytes.count - length)...]
    }
}
