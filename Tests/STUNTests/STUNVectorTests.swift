import Crypto
import STUN
import Testing
import Wire

@Suite struct STUNVectorTests {
    let vectors: [STUNVectors.Vector]

    init() throws {
        vectors = try STUNVectors.load()
    }

    static func key(for v: STUNVectors.Vector) -> [UInt8] {
        if v.credentials.mechanism == "long-term" {
            return STUNMessage.longTermKey(
                username: v.credentials.username ?? "", realm: v.credentials.realm ?? "",
                password: v.credentials.password_saslprep ?? "")
        }
        return Array(v.credentials.password.utf8)
    }

    @Test func fourVectorsLoaded() {
        #expect(vectors.map(\.section) == ["2.1", "2.2", "2.3", "2.4"])
    }

    @Test func decodeMatchesDocumentedFields() throws {
        for v in vectors {
            let bytes = try Hex.decode(v.hex)
            let m = try STUNMessage.decode(bytes)
            #expect(m.method == STUN.bindingMethod, "\(v.name)")
            #expect(m.messageClass == (v.expect.class == "request" ? .request : .successResponse), "\(v.name)")
            #expect(bytes.count == 20 + v.expect.length, "\(v.name)")
            #expect(m.magicCookie == STUN.magicCookie)
            #expect(!m.isRFC3489)
            #expect(Hex.encode(m.transactionID) == v.expect.transaction_id, "\(v.name)")
            #expect(m.attributes.count == v.expect.attributes.count, "\(v.name)")
            for (got, want) in zip(m.attributes, v.expect.attributes) {
                #expect(got.type.rawValue == UInt16(want.type.dropFirst(2), radix: 16), "\(v.name) \(want.name)")
                if let hex = want.value_hex { #expect(Hex.encode(got.value) == hex, "\(v.name) \(want.name)") }
                if let text = want.value_utf8 {
                    #expect(got.value == Array(text.utf8), "\(v.name) \(want.name)")
                }
                #expect(Hex.encode(got.padding) == want.padding_hex, "\(v.name) \(want.name) padding")
            }
        }
    }

    @Test func reencodeFromDecodedFieldsIsByteExact() throws {
        for v in vectors {
            let bytes = try Hex.decode(v.hex)
            let m = try STUNMessage.decode(bytes)
            var e = STUNMessageEncoder(
                method: m.method, messageClass: m.messageClass, transactionID: m.transactionID,
                magicCookie: m.magicCookie)
            for a in m.attributes {
                switch a.type {
                case .messageIntegrity: e.appendMessageIntegrity(key: Self.key(for: v))
                case .fingerprint: e.appendFingerprint()
                default: e.append(a.type, value: a.value, padding: a.padding)
                }
            }
            #expect(Hex.encode(e.finish()) == v.hex, "\(v.name)")
        }
    }

    @Test func fingerprintChecks() throws {
        for v in vectors {
            let m = try STUNMessage.decode(try Hex.decode(v.hex))
            if v.section == "2.4" {
                #expect(m.fingerprintIsValid() == nil)
            } else {
                #expect(m.fingerprintIsValid() == true, "\(v.name)")
                var corrupted = m.raw
                corrupted[corrupted.count - 1] ^= 0x01
                #expect(try STUNMessage.decode(corrupted).fingerprintIsValid() == false, "\(v.name)")
            }
        }
    }

    @Test func messageIntegrityChecks() throws {
        for v in vectors {
            let m = try STUNMessage.decode(try Hex.decode(v.hex))
            #expect(m.messageIntegrityIsValid(key: Self.key(for: v)) == true, "\(v.name)")
            #expect(m.messageIntegrityIsValid(key: Array("wrong".utf8)) == false, "\(v.name)")
        }
    }

    @Test func longTermKeyIsDocumentedMD5() throws {
        let v = try #require(vectors.first { $0.section == "2.4" })
        #expect(Hex.encode(Self.key(for: v)) == v.credentials.key_hex_md5)
    }

    @Test func responsesCarryDocumentedXORMappedAddress() throws {
        for v in vectors where v.expect.class == "success" {
            let m = try STUNMessage.decode(try Hex.decode(v.hex))
            let want = try #require(v.expect.attributes.first { $0.decoded != nil }?.decoded)
            let got = try #require(m.xorMappedAddress())
            #expect(got.port == want.port, "\(v.name)")
            #expect(got.isIPv6 == (want.family == "IPv6"), "\(v.name)")
            let text = got.description
            let ip = got.isIPv6 ? String(text.dropFirst().prefix { $0 != "]" }) : String(text.prefix { $0 != ":" })
            #expect(ip == want.ip, "\(v.name)")
        }
    }

    @Test func hmacAndMD5KnownAnswers() {
        // RFC 2202 test case 2 and RFC 1321's "abc".
        #expect(
            Hex.encode(
                HMACSHA1.authenticationCode(
                    key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
                == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
        #expect(Hex.encode(MD5.hash(Array("abc".utf8))) == "900150983cd24fb0d6963f7d28e17f72")
    }
}
