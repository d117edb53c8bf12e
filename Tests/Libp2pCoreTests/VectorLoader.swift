import Foundation
import TestSupport
import Testing

/// Loads a JSON vector file copied from `shared/vectors/` into the test bundle's `Vectors/`.
enum VectorLoader {
    static func load<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        try VectorFile.decode(T.self, named: name, in: .module)
    }
}

struct VarintVectors: Decodable {
    struct Valid: Decodable { let value: UInt64; let hex: String }
    struct Invalid: Decodable { let hex: String; let why: String }
    let valid: [Valid]
    let invalid: [Invalid]
}

struct MultibaseVectors: Decodable {
    struct Vector: Decodable { let encoding: String; let input_hex: String; let encoded: String }
    let vectors: [Vector]
}

struct PeerIDVectors: Decodable {
    struct KeyVector: Decodable {
        let key_type: String
        let key_type_enum: UInt64
        let private_key_protobuf_hex: String
        let public_key_protobuf_hex: String
        let peer_id_bytes_hex: String
        let peer_id_base58: String
    }
    struct ParseValid: Decodable {
        let input: String
        let peer_id_bytes_hex: String
        let canonical_base58: String
        let inlined_public_key_protobuf_hex: String?
        let inlined_key_type: UInt64?
    }
    struct ParseInvalid: Decodable { let input: String; let why: String }
    let key_vectors: [KeyVector]
    let parse_valid: [ParseValid]
    let parse_invalid: [ParseInvalid]
}

struct KeySignatureVectors: Decodable {
    struct Vector: Decodable {
        let key_type: String
        let key_type_enum: UInt64
        let message_hex: String
        let public_key_protobuf_hex: String
        let private_key_protobuf_hex: String
        let signature_hex: String
    }
    struct Negative: Decodable { let message_utf8: String }
    let vectors: [Vector]
    let negative: Negative
}
