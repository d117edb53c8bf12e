import Testing
import Wire

/// Wire codecs against the shared vector files (kept here because this target carries the resources).
@Suite struct WireVectorTests {
    @Test func varintVectors() throws {
        let v = try VectorLoader.load(VarintVectors.self, "varint")
        #expect(v.valid.count == 14 && v.invalid.count == 6)
        for c in v.valid {
            let bytes = try Hex.decode(c.hex)
            #expect(UVarint.encode(c.value) == bytes, "\(c.value)")
            #expect(try UVarint.decode(exactly: bytes) == c.value, "\(c.hex)")
            var reader = ByteReader(bytes)
            #expect(try reader.readUVarint() == c.value)
            #expect(reader.isAtEnd)
        }
        for c in v.invalid {
            let bytes = try Hex.decode(c.hex)
            #expect(throws: WireError.self, "\(c.hex): \(c.why)") { try UVarint.decode(prefixOf: bytes) }
            var reader = ByteReader(bytes)
            #expect(throws: WireError.self, "\(c.hex): \(c.why)") { try reader.readUVarint() }
            #expect(reader.offset == 0)
        }
    }

    @Test func base58btcMultibaseVectors() throws {
        let v = try VectorLoader.load(MultibaseVectors.self, "multibase")
        let cases = v.vectors.filter { $0.encoding == "base58btc" }
        #expect(cases.count == 3)
        for c in cases {
            #expect(c.encoded.first == "z")
            let text = String(c.encoded.dropFirst())
            let bytes = try Hex.decode(c.input_hex)
            #expect(Base58.encode(bytes) == text)
            #expect(try Base58.decode(text) == bytes)
        }
        for c in v.vectors where c.encoding == "base16" {
            #expect(try Hex.decode(String(c.encoded.dropFirst())) == Hex.decode(c.input_hex), "\(c.encoded)")
        }
    }
}
