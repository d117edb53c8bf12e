import Foundation
import TestSupport

/// Loads a JSON vector file copied from `shared/vectors/` into the test bundle's `Vectors/`.
enum VectorLoader {
    static func load<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        try VectorFile.decode(T.self, named: name, in: .module)
    }
}

struct GenericNoiseVectors: Decodable {
    struct Message: Decodable { let payload: String; let ciphertext: String }
    struct Vector: Decodable {
        let protocol_name: String
        let init_prologue: String
        let init_static: String
        let init_ephemeral: String
        let resp_prologue: String
        let resp_static: String
        let resp_ephemeral: String
        let handshake_hash: String?
        let messages: [Message]
    }
    let vectors: [Vector]
}

struct Libp2pNoiseVectors: Decodable {
    struct Party: Decodable {
        let identity_private_key_protobuf_hex: String
        let identity_public_key_protobuf_hex: String
        let peer_id: String
        let static_private_hex: String
        let static_public_hex: String
        let ephemeral_private_hex: String
        let ephemeral_public_hex: String
    }
    struct Message: Decodable {
        let direction: String
        let payload_hex: String?
        let payload_identity_sig_hex: String?
        let transport: Bool?
        let nonce: UInt64?
        let plaintext_hex: String?
        let noise_message_hex: String
        let wire_hex: String
    }
    struct Transcript: Decodable {
        let handshake_hash_hex: String
        let cipher_key_initiator_to_responder_hex: String
        let cipher_key_responder_to_initiator_hex: String
        let messages: [Message]
    }
    let prologue_hex: String
    let initiator: Party
    let responder: Party
    let transcripts: [String: Transcript]
}
