/// HKDF (RFC 5869) over ``HMACSHA256``, and the Noise `HKDF(chaining_key, input_key_material, n)` built on it
/// (Noise spec §4.3; libsodium 1.0.18 has no HKDF).
public enum HKDFSHA256 {
    /// The largest output `expand` produces (255 blocks, RFC 5869 §2.3).
    public static let maxOutputLength = 255 * HMACSHA256.macLength

    /// `HKDF-Extract(salt, IKM)`: the 32-byte pseudorandom key.
    public static func extract(salt: [UInt8], inputKeyMaterial: [UInt8]) -> [UInt8] {
        HMACSHA256.authenticationCode(key: salt, message: inputKeyMaterial)
    }

    /// `HKDF-Expand(PRK, info, L)`; `length` is clamped to `0...maxOutputLength`.
    public static func expand(pseudorandomKey: [UInt8], info: [UInt8], length: Int) -> [UInt8] {
        let length = min(max(length, 0), maxOutputLength)
        var output: [UInt8] = []
        output.reserveCapacity(length)
        var block: [UInt8] = []
        var counter: UInt8 = 1
        while output.count < length {
            block = HMACSHA256.authenticationCode(key: pseudorandomKey, parts: [block, info, [counter]])
            output.append(contentsOf: block.prefix(length - output.count))
            counter &+= 1
        }
        return output
    }

    /// `HKDF(salt, IKM, info, L)`: extract then expand.
    public static func deriveKey(salt: [UInt8], inputKeyMaterial: [UInt8], info: [UInt8], length: Int) -> [UInt8] {
        expand(pseudorandomKey: extract(salt: salt, inputKeyMaterial: inputKeyMaterial), info: info, length: length)
    }

    /// Noise's `HKDF(chaining_key, input_key_material, 2)`: two 32-byte outputs.
    public static func noise2(chainingKey: [UInt8], inputKeyMaterial: [UInt8]) -> ([UInt8], [UInt8]) {
        let temp = extract(salt: chainingKey, inputKeyMaterial: inputKeyMaterial)
        let out1 = HMACSHA256.authenticationCode(key: temp, parts: [[0x01]])
        let out2 = HMACSHA256.authenticationCode(key: temp, parts: [out1, [0x02]])
        return (out1, out2)
    }

    /// Noise's `HKDF(chaining_key, input_key_material, 3)`: three 32-byte outputs.
    public static func noise3(chainingKey: [UInt8], inputKeyMaterial: [UInt8]) -> ([UInt8], [UInt8], [UInt8]) {
        let temp = extract(salt: chainingKey, inputKeyMaterial: inputKeyMaterial)
        let out1 = HMACSHA256.authenticationCode(key: temp, parts: [[0x01]])
        let out2 = HMACSHA256.authenticationCode(key: temp, parts: [out1, [0x02]])
        let out3 = HMACSHA256.authenticationCode(key: temp, parts: [out2, [0x03]])
        return (out1, out2, out3)
    }
}
