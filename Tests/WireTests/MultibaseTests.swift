import TestSupport
import Testing
import Wire

@Suite struct MultibaseTests {
    @Test func roundTripsEveryEncoding() throws {
        var rng = SeededGenerator.fromEnvironment("Multibase/roundtrip")
        for _ in 0..<500 {
            let bytes = rng.bytes(maxCount: 80)
            for encoding in Multibase.Encoding.allCases {
                let text = Multibase.encode(bytes, as: encoding)
                let (e, decoded) = try Multibase.decode(text)
                #expect(e == encoding)
                #expect(decoded == bytes, "\(text)")
            }
        }
    }

    @Test func rejectsMalformedText() {
        #expect(throws: WireError.truncated) { try Multibase.decode("") }
        #expect(throws: WireError.invalidCharacter) { try Multibase.decode("?abc") }
        #expect(throws: WireError.invalidCharacter) { try Multibase.decode("b1") }  // '1' is not base32
        #expect(throws: WireError.invalidCharacter) { try Multibase.decode("bpfsxgidnmfxgsibb=") }  // padding
        #expect(throws: WireError.invalidCharacter) { try Multibase.decode("bab") }  // trailing bits
        #expect(throws: WireError.invalidCharacter) { try Multibase.decode("ba") }  // impossible length
        #expect(throws: WireError.invalidCharacter) { try Multibase.decode("ueWVzIG1hbmkgIR") }  // trailing bits
        #expect(throws: WireError.invalidCharacter) { try Multibase.decode("ueWVz+G1hbmkgIQ") }  // base64 char in url
        #expect(throws: WireError.oddLength) { try Multibase.decode("f123") }
        #expect(throws: WireError.invalidCharacter) { try Multibase.decode("k2lcpzo5yik-dynfl") }
        #expect(throws: WireError.inputTooLarge(limit: 16)) {
            try Multibase.decode("b" + String(repeating: "a", count: 40), maxEncodedLength: 16)
        }
        #expect(throws: WireError.inputTooLarge(limit: 1024)) {
            try Multibase.decode("k" + String(repeating: "z", count: 5000))
        }
    }

    @Test func emptyPayloads() throws {
        for encoding in Multibase.Encoding.allCases {
            let text = Multibase.encode([], as: encoding)
            #expect(text.utf8.count == 1)
            #expect(try Multibase.decode(text).bytes == [])
        }
    }

    @Test func cidRoundTrip() throws {
        let multihash = Multihash(code: Multihash.sha2_256Code, digest: [UInt8](repeating: 7, count: 32))
        let cid = CID(codec: CID.libp2pKeyCodec, multihash: multihash)
        #expect(cid.bytes.prefix(2) == [0x01, 0x72])
        #expect(cid.string().hasPrefix("bafz"))
        for encoding in Multibase.Encoding.allCases {
            #expect(try CID(string: cid.string(encoding)) == cid)
        }
        #expect(throws: CIDError.unsupportedVersion(0)) { try CID(bytes: [0x00, 0x72, 0x00, 0x00]) }
        #expect(throws: CIDError.malformed(.trailingBytes)) { try CID(bytes: cid.bytes + [0]) }
        #expect(throws: CIDError.malformed(.truncated)) { try CID(bytes: Array(cid.bytes.dropLast())) }
        #expect(throws: CIDError.unsupportedMultibase) { try CID(string: "") }
        #expect(throws: CIDError.unsupportedMultibase) { try CID(string: cid.string(.base58btc), encodings: [.base32]) }
    }

    @Test func randomTextNeverTraps() throws {
        var rng = SeededGenerator.fromEnvironment("Multibase/random")
        let alphabet = Array("fFbBkKzmu0123456789abcdefxyzABCXYZ-_+/=!~% ".utf8)
        for _ in 0..<5_000 {
            let n = Int.random(in: 0...60, using: &rng)
            let text = String(decoding: (0..<n).map { _ in alphabet.randomElement(using: &rng)! }, as: UTF8.self)
            if let (encoding, bytes) = try? Multibase.decode(text) {
                // Whatever decodes must re-encode to something that decodes to the same bytes.
                #expect(try Multibase.decode(Multibase.encode(bytes, as: encoding)).bytes == bytes, "\(text)")
            }
            _ = try? CID(string: text)
            _ = try? CID(bytes: Array(text.utf8))
        }
    }
}
