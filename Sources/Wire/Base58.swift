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
        String(decoding: BigBase.encode(Array(bytes), alphabet: alphabet), as: UTF8.self)
    }

    /// Decodes a base58btc string.
    /// - Parameter maxEncodedLength: inputs longer than this (in UTF-8 bytes) are rejected before decoding.
    /// - Throws: ``WireError/inputTooLarge(limit:)``, ``WireError/invalidCharacter``.
    public static func decode(_ string: String, maxEncodedLength: Int = defaultMaxEncodedLength) throws(WireError)
        -> [UInt8]
    {
        let chars = Array(string.utf8.prefix(maxEncodedLength + 1))
        guard chars.count <= maxEncodedLength else { throw .inputTooLarge(limit: maxEncodedLength) }
        return try BigBase.decode(chars, base: 58, zeroDigit: alphabet[0]) { c in
            c < 128 && digitValues[Int(c)] != 0xFF ? digitValues[Int(c)] : nil
        }
    }
}
