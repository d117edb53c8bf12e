import Foundation
import Libp2pCore
import Relay
import TestSupport
import Testing
import Wire

/// The relay entries of the vector files copied from shared/vectors/ into `Vectors/`.
enum RelayVectors {
    /// One hop or stop entry of protobuf_messages.json.
    struct Message {
        let name: String
        let isHop: Bool
        let message: [UInt8]
        let framed: [UInt8]
        let decoded: [String: Any]
    }

    /// Every `/libp2p/circuit/relay/0.2.0/{hop,stop}` entry.
    static func messages() throws -> [Message] {
        let url = try #require(
            Bundle.module.url(forResource: "protobuf_messages", withExtension: "json", subdirectory: "Vectors"))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let entries = try #require(root["messages"] as? [[String: Any]])
        return try entries.compactMap { entry in
            let proto = try #require(entry["protocol"] as? String)
            guard proto == RelayMessage.hopProtocolID || proto == RelayMessage.stopProtocolID else { return nil }
            return Message(
                name: try #require(entry["name"] as? String), isHop: proto == RelayMessage.hopProtocolID,
                message: try Hex.decode(try #require(entry["message_hex"] as? String)),
                framed: try Hex.decode(try #require(entry["framed_hex"] as? String)),
                decoded: try #require(entry["decoded"] as? [String: Any]))
        }
    }

    static func message(_ name: String) throws -> Message {
        try #require(try messages().first { $0.name == name })
    }

    /// signed_envelopes.json.
    static func envelopes() throws -> SignedEnvelopeVectors {
        try VectorFile.decode(SignedEnvelopeVectors.self, named: "signed_envelopes", in: .module)
    }

    /// `"hex 0a0b"` → bytes.
    static func hexField(_ value: Any?) throws -> [UInt8] {
        let text = try #require(value as? String)
        #expect(text.hasPrefix("hex "))
        return try Hex.decode(String(text.dropFirst("hex ".count)))
    }

    /// `"peer 12D3…"` → the base58 text.
    static func peerField(_ value: Any?) throws -> String {
        let text = try #require(value as? String)
        #expect(text.hasPrefix("peer "))
        return String(text.dropFirst("peer ".count))
    }

    /// A JSON number or a decimal string (the vectors write 64-bit values as strings).
    static func integer(_ value: Any?) throws -> UInt64 {
        if let number = value as? Int { return UInt64(number) }
        let text = try #require(value as? String)
        return try #require(UInt64(text))
    }
}

extension SignedEnvelopeVectors {
    func key(_ name: String) throws -> Libp2pPrivateKey {
        try Libp2pPrivateKey(protobufBytes: Hex.decode(try #require(keys[name]).private_key_protobuf_hex))
    }

    func entry(_ name: String) throws -> Case { try #require(cases.first { $0.name == name }) }
}
