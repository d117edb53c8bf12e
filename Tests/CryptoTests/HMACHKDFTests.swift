import Testing
import Wire

@testable import Crypto

@Suite struct HMACHKDFTests {
    /// RFC 4231 test cases 1, 2, 3, 6, 7 (HMAC-SHA-256).
    @Test func rfc4231Vectors() throws {
        let cases: [(key: [UInt8], data: [UInt8], mac: String)] = [
            (
                [UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
            ),
            (
                Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
            ),
            (
                [UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
                "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
            ),
            (
                [UInt8](repeating: 0xaa, count: 131),
                Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
            ),
            (
                [UInt8](repeating: 0xaa, count: 131),
                Array(
                    ("This is a test using a larger than block-size key and a larger than block-size data. "
                        + "The key needs to be hashed before being used by the HMAC algorithm.").utf8),
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
            ),
        ]
        for c in cases {
            #expect(Hex.encode(HMACSHA256.authenticationCode(key: c.key, message: c.data)) == c.mac)
        }
        let split = HMACSHA256.authenticationCode(
            key: Array("Jefe".utf8), parts: [Array("what do ya ".utf8), [], Array("want for nothing?".utf8)])
        #expect(Hex.encode(split) == cases[1].mac)
    }

    /// RFC 5869 test cases 1–3 (SHA-256).
    @Test func rfc5869Vectors() throws {
        let cases: [(ikm: [UInt8], salt: [UInt8], info: [UInt8], length: Int, prk: String, okm: String)] = [
            (
                [UInt8](repeating: 0x0b, count: 22), Array(0x00...0x0c), Array(0xf0...0xf9), 42,
                "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
            ),
            (
                Array(0x00...0x4f), Array(0x60...0xaf), Array(0xb0...0xff), 82,
                "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
                "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"
            ),
            (
                [UInt8](repeating: 0x0b, count: 22), [], [], 42,
                "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
                "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
            ),
        ]
        for c in cases {
            let prk = HKDFSHA256.extract(salt: c.salt, inputKeyMaterial: c.ikm)
            #expect(Hex.encode(prk) == c.prk)
            #expect(Hex.encode(HKDFSHA256.expand(pseudorandomKey: prk, info: c.info, length: c.length)) == c.okm)
            #expect(
                Hex.encode(HKDFSHA256.deriveKey(salt: c.salt, inputKeyMaterial: c.ikm, info: c.info, length: c.length))
                    == c.okm)
        }
    }

    /// Noise's HKDF with 2 and 3 outputs is RFC 5869 HKDF with empty info and 64 / 96 bytes.
    @Test func noiseHKDFMatchesRFC5869() {
        let ck = [UInt8](repeating: 0x42, count: 32)
        let ikm: [UInt8] = Array(0..<32)
        let full = HKDFSHA256.deriveKey(salt: ck, inputKeyMaterial: ikm, info: [], length: 96)
        let (a, b) = HKDFSHA256.noise2(chainingKey: ck, inputKeyMaterial: ikm)
        let (c, d, e) = HKDFSHA256.noise3(chainingKey: ck, inputKeyMaterial: [])
        #expect(a + b == Array(full.prefix(64)))
        #expect(c + d + e == HKDFSHA256.deriveKey(salt: ck, inputKeyMaterial: [], info: [], length: 96))
        #expect(full.count == 96)
    }
}
