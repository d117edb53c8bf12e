/// Big-number base conversion shared by base58btc and multibase base36: the input is one big-endian number; each
/// leading zero byte is written as one leading zero digit (and read back the same way).
enum BigBase {
    /// Encodes `input` with `alphabet`, whose size is the base (16...255).
    static func encode(_ input: [UInt8], alphabet: [UInt8]) -> [UInt8] {
        let base = alphabet.count
        let zeros = input.prefix(while: { $0 == 0 }).count
        // log(256)/log(base) <= 2 for base >= 16.
        var digits = [UInt8](repeating: 0, count: (input.count - zeros) * 2 + 1)
        var length = 0
        for byte in input[zeros...] {
            var carry = Int(byte)
            var i = 0
            var k = digits.count - 1
            while (carry != 0 || i < length) && k >= 0 {
                carry += 256 * Int(digits[k])
                digits[k] = UInt8(truncatingIfNeeded: carry % base)
                carry /= base
                i += 1
                k -= 1
            }
            length = i
        }
        var out = [UInt8](repeating: alphabet[0], count: zeros)
        out.reserveCapacity(zeros + length)
        for d in digits[(digits.count - length)...] { out.append(alphabet[Int(d)]) }
        return out
    }

    /// Decodes digit characters of `base`: `value` maps a character to its digit (nil: not a digit);
    /// each leading `zeroDigit` character is one leading zero byte.
    static func decode(
        _ chars: some Collection<UInt8>, base: Int, zeroDigit: UInt8, value: (UInt8) -> UInt8?
    ) throws(WireError) -> [UInt8] {
        let zeros = chars.prefix(while: { $0 == zeroDigit }).count
        var bytes = [UInt8](repeating: 0, count: chars.count - zeros)  // base < 256: never more bytes than digits
        var length = 0
        for c in chars.dropFirst(zeros) {
            guard let v = value(c), Int(v) < base else { throw .invalidCharacter }
            var carry = Int(v)
            var i = 0
            var k = bytes.count - 1
            while (carry != 0 || i < length) && k >= 0 {
                carry += base * Int(bytes[k])
                bytes[k] = UInt8(truncatingIfNeeded: carry)
                carry >>= 8
                i += 1
                k -= 1
            }
            length = i
        }
        return [UInt8](repeating: 0, count: zeros) + bytes[(bytes.count - length)...]
    }
}
