import Foundation
import TestSupport
import Testing

/// Loads `Vectors/stun_rfc5769.json` (copied from `shared/vectors/`).
enum STUNVectors {

    struct File: Decodable {
        let vectors: [Vector]
    }

    struct Vector: Decodable {
        let name: String
        let section: String
        let hex: String
        let expect: Expect
        let credentials: Credentials
    }

    struct Expect: Decodable {
        let `class`: String
        let length: Int
        let transaction_id: String
        let attributes: [Attribute]
    }

    struct Attribute: Decodable {
        let type: String
        let name: String
        let value_hex: String?
        let value_utf8: String?
        let padding_hex: String
        let decoded: Decoded?
    }

    struct Decoded: Decodable {
        let family: String
        let ip: String
        let port: UInt16
    }

    struct Credentials: Decodable {
        let mechanism: String
        let password: String
        let username: String?
        let password_saslprep: String?
        let realm: String?
        let key_hex_md5: String?
    }

    static func load() throws -> [Vector] {
        try VectorFile.decode(File.self, named: "stun_rfc5769", in: .module).vectors
    }
}
