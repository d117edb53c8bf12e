import Wire

/// The identify message (`/ipfs/id/1.0.0` and `/ipfs/id/push/1.0.0`), libp2p identify spec plus go's field 8:
///
/// ```
/// message Identify {
///   optional string protocolVersion = 5;  optional string agentVersion = 6;
///   optional bytes publicKey = 1;         repeated bytes listenAddrs = 2;
///   optional bytes observedAddr = 4;      repeated string protocols = 3;
///   optional bytes signedPeerRecord = 8;
/// }
/// ```
///
/// Multiaddrs and the public key stay as bytes here; their codecs validate them where they are used. Encoding is in
/// field-number order (what go, rust and protobuf libraries produce), so a decoded message re-encodes byte-exact.
public struct IdentifyMessage: Equatable, Sendable {
    public var protocolVersion: String?
    public var agentVersion: String?
    public var publicKey: [UInt8]?
    public var listenAddrs: [[UInt8]]
    public var observedAddr: [UInt8]?
    public var protocols: [String]
    public var signedPeerRecord: [UInt8]?

    public init(
        protocolVersion: String? = nil, agentVersion: String? = nil, publicKey: [UInt8]? = nil,
        listenAddrs: [[UInt8]] = [], observedAddr: [UInt8]? = nil, protocols: [String] = [],
        signedPeerRecord: [UInt8]? = nil
    ) {
        self.protocolVersion = protocolVersion
        self.agentVersion = agentVersion
        self.publicKey = publicKey
        self.listenAddrs = listenAddrs
        self.observedAddr = observedAddr
        self.protocols = protocols
        self.signedPeerRecord = signedPeerRecord
    }

    /// Decodes one message (without its length prefix). Unknown fields are skipped; over-limit lists and malformed
    /// fields are errors, never traps.
    public init(bytes: [UInt8], limits: IdentifyLimits = IdentifyLimits()) throws(IdentifyError) {
        self.init()
        guard bytes.count <= limits.maxMessageBytes else { throw .tooLarge(limit: limits.maxMessageBytes) }
        do {
            var reader = try ProtobufReader(bytes, maxMessageSize: limits.maxMessageBytes)
            while let field = try reader.next() {
                switch field.number {
                case 1: publicKey = try field.bytes()
                case 2:
                    guard listenAddrs.count < limits.maxListenAddrs else { throw IdentifyError.tooManyAddresses }
                    listenAddrs.append(try field.bytes())
                case 3:
                    guard protocols.count < limits.maxProtocols else { throw IdentifyError.tooManyProtocols }
                    protocols.append(try field.string())
                case 4: observedAddr = try field.bytes()
                case 5: protocolVersion = try field.string()
                case 6: agentVersion = try field.string()
                case 8: signedPeerRecord = try field.bytes()
                default: continue
                }
            }
        } catch let error as IdentifyError {
            throw error
        } catch let error as WireError {
            throw .malformed(error)
        } catch {
            throw .malformed(.truncated)
        }
    }

    /// The encoding, fields in number order.
    public var bytes: [UInt8] {
        var writer = ProtobufWriter()
        if let publicKey { writer.writeBytes(field: 1, publicKey) }
        for address in listenAddrs { writer.writeBytes(field: 2, address) }
        for name in protocols { writer.writeString(field: 3, name) }
        if let observedAddr { writer.writeBytes(field: 4, observedAddr) }
        if let protocolVersion { writer.writeString(field: 5, protocolVersion) }
        if let agentVersion { writer.writeString(field: 6, agentVersion) }
        if let signedPeerRecord { writer.writeBytes(field: 8, signedPeerRecord) }
        return writer.bytes
    }

    /// Applies a later message of the same exchange (go sends a large message in two parts and reads up to 10):
    /// fields it carries replace or extend this one's.
    public mutating func merge(_ later: IdentifyMessage) {
        if let value = later.protocolVersion { protocolVersion = value }
        if let value = later.agentVersion { agentVersion = value }
        if let value = later.publicKey { publicKey = value }
        if !later.listenAddrs.isEmpty { listenAddrs = later.listenAddrs }
        if let value = later.observedAddr { observedAddr = value }
        if !later.protocols.isEmpty { protocols = later.protocols }
        if let value = later.signedPeerRecord { signedPeerRecord = value }
    }
}

/// Bounds on a received identify message (go: 8 KiB per message, 500 addresses and 1024 protocols kept per peer).
public struct IdentifyLimits: Sendable, Equatable {
    public var maxMessageBytes: Int
    public var maxListenAddrs: Int
    public var maxProtocols: Int

    public init(maxMessageBytes: Int = 8 * 1024, maxListenAddrs: Int = 500, maxProtocols: Int = 1024) {
        self.maxMessageBytes = maxMessageBytes
        self.maxListenAddrs = maxListenAddrs
        self.maxProtocols = maxProtocols
    }
}

/// Why an identify message was refused.
public enum IdentifyError: Error, Equatable, Sendable {
    case tooLarge(limit: Int)
    case tooManyAddresses
    case tooManyProtocols
    case malformed(WireError)
}
