/// The schema of `signed_envelopes.json` (shared/vectors), for the test targets that copy it into `Vectors/`
/// (decode it with ``VectorFile/decode(_:named:in:)``).
public struct SignedEnvelopeVectors: Decodable, Sendable {
    public struct Key: Decodable, Sendable {
        public let private_key_protobuf_hex: String
        public let peer_id: String
    }

    public struct Case: Decodable, Sendable {
        public let name: String
        public let domain: String?
        public let payload_type_hex: String?
        public let payload_hex: String?
        public let unsigned_buffer_hex: String?
        public let envelope_hex: String
    }

    public let keys: [String: Key]
    public let cases: [Case]
}
