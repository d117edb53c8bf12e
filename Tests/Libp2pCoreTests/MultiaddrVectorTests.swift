import Testing
import Wire

@testable import Libp2pCore

struct MultiaddrVectors: Decodable {
    struct Valid: Decodable {
        let string: String
        let hex: String
        let canonical_string: String
        let server_relevant: Bool
    }
    struct InvalidString: Decodable { let string: String; let server_relevant: Bool }
    struct InvalidBytes: Decodable { let hex: String; let why: String }
    let valid: [Valid]
    let valid_strings: [Valid]
    let invalid_strings: [InvalidString]
    let invalid_bytes: [InvalidBytes]
}

@Suite struct MultiaddrVectorTests {
    let vectors: MultiaddrVectors

    init() throws {
        vectors = try VectorLoader.load(MultiaddrVectors.self, "multiaddr")
    }

    @Test func counts() {
        #expect(vectors.valid.count == 51)
        #expect(vectors.valid_strings.count == 93)
        #expect(vectors.invalid_strings.count == 66)
        #expect(vectors.invalid_bytes.count == 3)
    }

    /// Every server-relevant pair round-trips exactly; the others either round-trip or give an error.
    @Test func validPairsRoundTrip() throws {
        var relevant = 0
        var otherDecoded = 0
        var otherRejected = 0
        for c in vectors.valid + vectors.valid_strings {
            let bytes = try Hex.decode(c.hex)
            if c.server_relevant {
                relevant += 1
                let fromString = try Multiaddr(c.string)
                #expect(Hex.encode(fromString.bytes) == c.hex, "\(c.string)")
                #expect(fromString.description == c.canonical_string, "\(c.string)")
                let fromBytes = try Multiaddr(bytes: bytes)
                #expect(fromBytes.description == c.canonical_string, "\(c.hex)")
                #expect(fromBytes == fromString)
                #expect(try Multiaddr(c.canonical_string).bytes == bytes, "\(c.canonical_string)")
                #expect(try Multiaddr(components: fromBytes.components) == fromBytes)
            } else {
                do {
                    let fromString = try Multiaddr(c.string)
                    #expect(Hex.encode(fromString.bytes) == c.hex, "\(c.string)")
                    let fromBytes = try Multiaddr(bytes: bytes)
                    #expect(try Multiaddr(fromBytes.description).bytes == bytes, "\(c.string)")
                    otherDecoded += 1
                } catch {
                    #expect(throws: MultiaddrError.self, "\(c.hex)") { try Multiaddr(bytes: bytes) }
                    otherRejected += 1
                }
            }
        }
        #expect(relevant == 100)
        print(
            "multiaddr vectors: \(relevant) server-relevant round-trip, \(otherDecoded) other decoded, \(otherRejected) other rejected"
        )
    }

    @Test func invalidStringsThrow() {
        for c in vectors.invalid_strings {
            #expect(throws: MultiaddrError.self, "\(c.string)") { try Multiaddr(c.string) }
        }
    }

    @Test func invalidBytesThrow() throws {
        for c in vectors.invalid_bytes {
            let bytes = try Hex.decode(c.hex)
            #expect(throws: MultiaddrError.self, "\(c.hex): \(c.why)") { try Multiaddr(bytes: bytes) }
        }
    }
}
