import TestSupport
import Testing

@testable import Wire

@Suite struct TextEncodingTests {
    @Test(arguments: [
        ("", ""), ("00", "1"), ("0000", "11"), ("61", "2g"), ("626262", "a3gV"),
        ("796573206d616e692021", "7paNL19xttacUY"), ("00796573206d616e692021", "17paNL19xttacUY"),
        ("0000796573206d616e692021", "117paNL19xttacUY"),
        ("00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"),
    ])
    func base58(hex: String, text: String) throws {
        let bytes = try Hex.decode(hex)
        #expect(Base58.encode(bytes) == text)
        #expect(try Base58.decode(text) == bytes)
    }

    @Test func base58Rejects() {
        for bad in ["0", "O", "I", "l", "abc+", "é", "12D3Koo W"] {
            #expect(throws: WireError.invalidCharacter) { try Base58.decode(bad) }
        }
        #expect(throws: WireError.inputTooLarge(limit: 256)) { try Base58.decode(String(repeating: "z", count: 257)) }
        #expect(throws: WireError.inputTooLarge(limit: 4)) { try Base58.decode("11111", maxEncodedLength: 4) }
    }

    @Test func hex() throws {
        #expect(Hex.encode([0x00, 0xAB, 0xFF]) == "00abff")
        #expect(try Hex.decode("00ABff") == [0x00, 0xAB, 0xFF])
        #expect(try Hex.decode("") == [])
        #expect(throws: WireError.oddLength) { try Hex.decode("abc") }
        #expect(throws: WireError.invalidCharacter) { try Hex.decode("zz") }
    }

    @Test func multihash() throws {
        let mh = try Multihash(bytes: Hex.decode("1203aabbcc"))
        #expect(mh.code == 0x12 && mh.digest == [0xAA, 0xBB, 0xCC])
        #expect(Hex.encode(mh.bytes) == "1203aabbcc")
        #expect(throws: WireError.trailingBytes) { try Multihash(bytes: [0x00, 0x00, 0x00]) }
        #expect(throws: WireError.truncated) { try Multihash(bytes: [0x12, 0x20, 0x00]) }
        #expect(throws: WireError.lengthTooLarge(limit: 2)) {
            try Multihash(bytes: [0x00, 0x03, 1, 2, 3], maxDigestLength: 2)
        }
    }

    @Test func randomRoundTripsAndNeverTraps() throws {
        var rng = SeededGenerator.fromEnvironment("Base58/Hex")
        for _ in 0..<2_000 {
            var bytes = rng.bytes(maxCount: 48)
            if Bool.random(using: &rng) { bytes.insert(contentsOf: [0, 0], at: 0) }
            #expect(try Base58.decode(Base58.encode(bytes)) == bytes, "seed \(rng.seed)")
            #expect(try Hex.decode(Hex.encode(bytes)) == bytes, "seed \(rng.seed)")
            let junk = String(decoding: rng.bytes(maxCount: 60), as: UTF8.self)
            _ = try? Base58.decode(junk)
            _ = try? Hex.decode(junk)
            _ = try? Multihash(bytes: rng.bytes(maxCount: 40))
        }
    }
}
