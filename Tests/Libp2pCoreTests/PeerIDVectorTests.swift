import Crypto
import Testing
import Wire

@testable import Libp2pCore

@Suite struct PeerIDVectorTests {
    let vectors: PeerIDVectors

    init() throws {
        vectors = try VectorLoader.load(PeerIDVectors.self, "peer_ids")
    }

    @Test func everyKeyVectorGivesItsPeerID() throws {
        #expect(vectors.key_vectors.count == 4)
        for v in vectors.key_vectors {
            let pubBytes = try Hex.decode(v.public_key_protobuf_hex)
            let pub = try Libp2pPublicKey(protobufBytes: pubBytes)
            #expect(pub.type.rawValue == v.key_type_enum && pub.type.description == v.key_type)
            #expect(pub.protobufBytes == pubBytes, "\(v.key_type)")
            let id = pub.peerID
            #expect(Hex.encode(id.bytes) == v.peer_id_bytes_hex, "\(v.key_type)")
            #expect(id.base58 == v.peer_id_base58 && id.description == v.peer_id_base58)
            let parsed = try PeerID(string: v.peer_id_base58)
            #expect(parsed == id && parsed.matches(pub))
            #expect(try PeerID(multihashBytes: Hex.decode(v.peer_id_bytes_hex)) == id)
            // Inlined keys come back out of the peer ID; hashed ones do not.
            #expect(id.publicKey == (pubBytes.count <= PeerID.maxInlineKeyLength ? pub : nil))

            let privBytes = try Hex.decode(v.private_key_protobuf_hex)
            let privMessage = try PrivateKeyProtobuf(bytes: privBytes)
            #expect(privMessage.type == pub.type && privMessage.bytes == privBytes)
            if pub.type == .ed25519 {
                let priv = try Libp2pPrivateKey(protobufBytes: privBytes)
                #expect(priv.protobufBytes == privBytes)
                #expect(priv.publicKey.protobufBytes == pubBytes)
                #expect(priv.peerID.bytes == id.bytes && priv.peerID.base58 == v.peer_id_base58)
                #expect(!priv.description.contains(Hex.encode(priv.ed25519.seed.prefix(8))))
            } else {
                #expect(throws: KeyError.unsupportedKeyType(pub.type)) {
                    try Libp2pPrivateKey(protobufBytes: privBytes)
                }
                // Verification works for every type; an empty signature is simply invalid.
                #expect(try !pub.isValidSignature([], for: []))
            }
        }
    }

    @Test func parsesEveryTextForm() throws {
        var base58Cases = 0
        var cidCases = 0
        for c in vectors.parse_valid {
            let id = try PeerID(string: c.input)
            #expect(Hex.encode(id.bytes) == c.peer_id_bytes_hex, "\(c.input)")
            #expect(id.base58 == c.canonical_base58, "\(c.input)")
            if c.input.hasPrefix("1") || c.input.hasPrefix("Qm") {
                base58Cases += 1
                #expect(try PeerID(base58: c.input) == id)
            } else {
                // CIDv1 (libp2p-key) in base32 `b…` or base36 `k…`: same peer ID as its base58 form.
                cidCases += 1
                #expect(try PeerID(string: c.canonical_base58) == id)
                #expect(try PeerID(string: c.input.uppercased()) == id, "upper-case multibase \(c.input)")
                if c.input.hasPrefix("b") { #expect(id.cidString == c.input) }
                #expect(try PeerID(string: id.cidString) == id)
            }
            if let inlined = c.inlined_public_key_protobuf_hex {
                let key = try #require(id.publicKey)
                #expect(Hex.encode(key.protobufBytes) == inlined)
                #expect(key.type.rawValue == c.inlined_key_type)
            } else {
                #expect(id.publicKey == nil)
            }
        }
        #expect(base58Cases == 7)
        #expect(cidCases == 5)
    }

    @Test func cidFormsWithOtherCodecsOrBasesAreUnsupported() throws {
        let id = try PeerID(string: "12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV")
        let dagPB = CID(codec: 0x70, multihash: id.multihash)
        #expect(throws: PeerIDError.unsupportedTextForm) { try PeerID(string: dagPB.string(.base32)) }
        let libp2pKey = CID(codec: CID.libp2pKeyCodec, multihash: id.multihash)
        #expect(throws: PeerIDError.unsupportedTextForm) { try PeerID(string: libp2pKey.string(.base58btc)) }
        #expect(try PeerID(string: libp2pKey.string(.base36)) == id)
        #expect(throws: PeerIDError.invalidEncoding(.invalidCharacter)) { try PeerID(string: "bafz!") }
    }

    @Test func rejectsEveryInvalidCase() throws {
        for c in vectors.parse_invalid {
            #expect(throws: PeerIDError.self, "\(c.input): \(c.why)") { try PeerID(string: c.input) }
        }
        #expect(throws: PeerIDError.self) { try PeerID(base58: "QmxoHT6iViN5xAjoz1VZ553cL31U9F94ht3QvWR1FrEbZY") }
    }
}
