import Wire

/// A signed envelope (libp2p RFC 0002): a payload of a declared type, signed by a libp2p key under a domain string
/// that is not carried in the envelope, so a signature for one domain never validates for another.
///
/// ```
/// message Envelope { PublicKey public_key = 1; bytes payload_type = 2; bytes payload = 3; bytes signature = 5; }
/// ```
/// Signature input: `uvarint(len(domain)) || domain || uvarint(len(type)) || type || uvarint(len(payload)) || payload`.
public struct SignedEnvelope: Equatable, Sendable {
    /// The largest envelope decoded (go caps identify's signed record at 8 KiB).
    public static let maxEncodedSize = 8 * 1024

    public let publicKey: Libp2pPublicKey
    public let payloadType: [UInt8]
    public let payload: [UInt8]
    public let signature: [UInt8]

    /// Signs `payload` with `key` under `domain` (go refuses an empty domain or payload type; so do we).
    public init(signing payload: [UInt8], payloadType: [UInt8], domain: String, with key: Libp2pPrivateKey)
        throws(EnvelopeError)
    {
        guard !domain.isEmpty, !payloadType.isEmpty else { throw .emptyDomainOrType }
        publicKey = key.publicKey
        self.payloadType = payloadType
        self.payload = payload
        signature = key.sign(Self.signingBuffer(domain: domain, payloadType: payloadType, payload: payload))
    }

    /// Decodes an envelope without checking its signature (use ``verified(domain:)``).
    public init(bytes: [UInt8]) throws(EnvelopeError) {
        guard bytes.count <= Self.maxEncodedSize else { throw .tooLarge }
        var key: [UInt8]?
        var type: [UInt8]?
        var body: [UInt8]?
        var sig: [UInt8]?
        do throws(WireError) {
            var reader = try ProtobufReader(bytes, maxMessageSize: Self.maxEncodedSize)
            while let field = try reader.next() {
                switch field.number {
                case 1: key = try field.bytes()
                case 2: type = try field.bytes()
                case 3: body = try field.bytes()
                case 5: sig = try field.bytes()
                default: continue
                }
            }
        } catch {
            throw .malformed(error)
        }
        guard let key, let type, let sig else { throw .missingField }
        do {
            publicKey = try Libp2pPublicKey(protobufBytes: key)
        } catch {
            throw .invalidKey(error)
        }
        payloadType = type
        payload = body ?? []  // proto3: an empty payload is omitted
        signature = sig
    }

    /// The encoding, fields in number order (byte-exact with go's).
    public var bytes: [UInt8] {
        var writer = ProtobufWriter()
        writer.writeBytes(field: 1, publicKey.protobufBytes)
        writer.writeBytes(field: 2, payloadType)
        if !payload.isEmpty { writer.writeBytes(field: 3, payload) }
        writer.writeBytes(field: 5, signature)
        return writer.bytes
    }

    /// Whether the signature is valid for `domain`.
    public func isValid(domain: String) -> Bool {
        let buffer = Self.signingBuffer(domain: domain, payloadType: payloadType, payload: payload)
        return (try? publicKey.isValidSignature(signature, for: buffer)) == true
    }

    /// The signing buffer for `domain`.
    public static func signingBuffer(domain: String, payloadType: [UInt8], payload: [UInt8]) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(domain.utf8.count + payloadType.count + payload.count + 12)
        buffer.appendLengthPrefixed(Array(domain.utf8))
        buffer.appendLengthPrefixed(payloadType)
        buffer.appendLengthPrefixed(payload)
        return buffer
    }
}

/// Why an envelope or peer record was refused.
public enum EnvelopeError: Error, Equatable, Sendable {
    case tooLarge
    case malformed(WireError)
    case missingField
    case invalidKey(KeyError)
    case emptyDomainOrType
    case badSignature
    case wrongPayloadType
    case peerMismatch
    case invalidPeerID
    case invalidAddress(MultiaddrError)
}
