import Testing
import Wire

@Suite struct MultibaseVectorTests {
    @Test func everyVectorDecodesAndCanonicalOnesReEncode() throws {
        let v = try VectorLoader.load(MultibaseVectors.self, "multibase")
        #expect(v.vectors.count >= 30)
        let canonical: [String: Multibase.Encoding] = [
            "base16": .base16, "base16upper": .base16upper, "base32": .base32, "base32upper": .base32upper,
            "base36": .base36, "base36upper": .base36upper, "base58btc": .base58btc, "base64": .base64,
            "base64url": .base64url,
        ]
        for c in v.vectors {
            let bytes = try Hex.decode(c.input_hex)
            let (encoding, decoded) = try Multibase.decode(c.encoded)
            #expect(decoded == bytes, "\(c.encoded)")
            let named = try #require(canonical[c.encoding], "\(c.encoding)")
            #expect(encoding.prefix == c.encoded.utf8.first)
            // Mixed-case rows (case_insensitivity.csv) decode but are not what an encoder writes.
            let mixed =
                c.encoded.dropFirst().contains { $0.isLowercase } && c.encoded.dropFirst().contains { $0.isUppercase }
            if !mixed || named == .base58btc || named == .base64 || named == .base64url {
                #expect(Multibase.encode(bytes, as: named) == c.encoded, "\(c.encoding) \(c.input_hex)")
            }
        }
    }
}
