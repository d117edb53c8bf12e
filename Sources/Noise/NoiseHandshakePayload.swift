import Wire

/// The libp2p `NoiseHandshakePayload` protobuf (proto2) carried in handshake messages 2 and 3:
/// `identity_key = 1`, `identity_sig = 2`, `extensions = 4`.
public struct NoiseHandshakePayload: Equatable, Sendable {
    /// The prefix of the signed message: `"noise-libp2p-static-key:" || static X25519 public key`.
    public static let signaturePrefix: [UInt8] = Array("noise-libp2p-static-key:".utf8)

    /// `NoiseExtensions`: `webtransport_certhashes = 1`, `stream_muxers = 2`.
    public struct Extensions: Equatable, Sendable {
        public var webtransportCerthashes: [[UInt8]]
        public var streamMuxers: [String]

        public init(webtransportCerthashes: [[UInt8]] = [], streamMuxers: [String] = []) {
            self.webtransportCerthashes = webtransportCerthashes
            self.streamMuxers = streamMuxers
        }
    }

    /// The `PublicKey` protobuf of the sender's identity key; `nil` when absent.
    public var identityKey: [UInt8]?
    /// The identity key's signature of ``signedMessage(staticKey:)``; `nil` when absent.
    public var identitySignature: [UInt8]?
    /// Extensions; Waystone never sends them (no early muxer negotiation) but decodes what peers send.
    public var extensions: Extensions?

    public init(identityKey: [UInt8]?, identitySignature: [UInt8]?, extensions: Extensions? = nil) {
        self.identityKey = identityKey
        self.identitySignature = identitySignature
        self.extensions = extensions
    }

    /// The message the identity key signs.
    public static func signedMessage(staticKey: [UInt8]) -> [UInt8] {
        signaturePrefix + staticKey
    }

    /// Decodes a payload, skipping unknown fields; a repeated field keeps its last value.
    public init(bytes: [UInt8]) throws(WireError) {
        var reader = try ProtobufReader(bytes, maxMessageSize: NoiseHandshake.maxMessageLength)
        while let field = try reader.next() {
            switch field.number {
            case 1: identityKey = try field.bytes()
            case 2: identitySignature = try field.bytes()
            case 4: extensions = try Self.decodeExtensions(field.bytes())
            default: continue
            }
        }
    }

    /// The encoding: present fields in field order.
    public var bytes: [UInt8] {
        var writer = ProtobufWriter()
        if let identityKey { writer.writeBytes(field: 1, identityKey) }
        if let identitySignature { writer.writeBytes(field: 2, identitySignature) }
        if let extensions {
            var inner = ProtobufWriter()
            for hash in extensions.webtransportCerthashes { inner.writeBytes(field: 1, hash) }
            for muxer in extensions.streamMuxers { inner.writeString(field: 2, muxer) }
            writer.writeMessage(field: 4, inner)
        }
        return writer.bytes
    }

    private static func decodeExtensions(_ bytes: [UInt8]) throws(WireError) -> Extensions {
        var reader = try ProtobufReader(bytes, maxMessageSize: NoiseHandshake.maxMessageLength)
        var extensions = Extensions()
        while let field = try reader.next() {
            switch field.number {
            case 1: extensions.webtransportCerthashes.append(try field.bytes())
            case 2: extensions.streamMuxers.append(try field.string())
            default: continue
            }
        }
        return extensions
    }
}
