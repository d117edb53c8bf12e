import Wire

/// One `/ipfs/kad/1.0.0` message (go-libp2p-kad-dht `pb/dht.proto`, proto3):
///
/// ```
/// message Record  { bytes key = 1; bytes value = 2; string timeReceived = 5; }
/// message Message {
///   message Peer { bytes id = 1; repeated bytes addrs = 2; ConnectionType connection = 3; }
///   MessageType type = 1; int32 clusterLevelRaw = 10; bytes key = 2; Record record = 3;
///   repeated Peer closerPeers = 8; repeated Peer providerPeers = 9;
/// }
/// ```
///
/// Proto3 presence: zero scalars and empty bytes are not written, so a message without a `type` field is a
/// `PUT_VALUE` (type 0) and an empty `key` means "no key". Only `record` has presence (`nil` = absent). Peer IDs and
/// multiaddrs stay as bytes here; ``KadPeerInfo`` validates them where they are used. Decoding skips unknown fields
/// (rust's `Record.publisher = 666`, `ttl = 777`; py-libp2p's `senderRecord = 11`, `Peer.signedRecord = 4`) and
/// reports every malformed input as a ``KadMessageError``. Encoding writes fields in field-number order with minimal
/// varints, as go and rust do, so a message they encoded re-encodes byte-exact.
public struct KadMessage: Equatable, Sendable {
    /// The largest response body (without its length prefix) this node builds: rust-libp2p's
    /// `DEFAULT_MAX_PACKET_SIZE`, which its codec checks against the declared length. See ``fitted(maxBytes:)``.
    public static let maxResponseBytes = 16 * 1024

    public var type: MessageType
    /// `clusterLevelRaw` (field 10): unused by every implementation, kept for byte-exact re-encoding.
    public var clusterLevelRaw: Int32
    /// The key: a peer ID for FIND_NODE, a multihash for provider RPCs, a record key for values. Empty when absent.
    public var key: [UInt8]
    public var record: Record?
    public var closerPeers: [Peer]
    public var providerPeers: [Peer]

    public init(
        type: MessageType, key: [UInt8] = [], record: Record? = nil, closerPeers: [Peer] = [],
        providerPeers: [Peer] = [], clusterLevelRaw: Int32 = 0
    ) {
        self.type = type
        self.clusterLevelRaw = clusterLevelRaw
        self.key = key
        self.record = record
        self.closerPeers = closerPeers
        self.providerPeers = providerPeers
    }

    /// The message type. Proto3 enums are open: values outside the known cases decode and re-encode unchanged, and
    /// the service answers them with an error.
    public struct MessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let putValue = MessageType(rawValue: 0)
        public static let getValue = MessageType(rawValue: 1)
        public static let addProvider = MessageType(rawValue: 2)
        public static let getProviders = MessageType(rawValue: 3)
        public static let findNode = MessageType(rawValue: 4)
        /// Deprecated: answered, never sent.
        public static let ping = MessageType(rawValue: 5)

        public var description: String {
            let names = ["PUT_VALUE", "GET_VALUE", "ADD_PROVIDER", "GET_PROVIDERS", "FIND_NODE", "PING"]
            return rawValue >= 0 && rawValue < names.count ? names[Int(rawValue)] : "UNKNOWN(\(rawValue))"
        }
    }

    /// How the sender relates to a listed peer (an open proto3 enum, like ``MessageType``).
    public struct ConnectionType: RawRepresentable, Hashable, Sendable {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let notConnected = ConnectionType(rawValue: 0)
        public static let connected = ConnectionType(rawValue: 1)
        public static let canConnect = ConnectionType(rawValue: 2)
        public static let cannotConnect = ConnectionType(rawValue: 3)
    }

    /// A peer in `closerPeers` or `providerPeers`: binary peer ID and binary multiaddrs.
    public struct Peer: Equatable, Sendable {
        public var id: [UInt8]
        public var addrs: [[UInt8]]
        public var connection: ConnectionType

        public init(id: [UInt8], addrs: [[UInt8]] = [], connection: ConnectionType = .notConnected) {
            self.id = id
            self.addrs = addrs
            self.connection = connection
        }
    }

    /// A value record (`author` 3 and `signature` 4 were removed from the schema; rust adds 666/777, skipped).
    public struct Record: Equatable, Sendable {
        public var key: [UInt8]
        public var value: [UInt8]
        /// RFC 3339 time the record was received (go sets it on stored records); empty when absent.
        public var timeReceived: String

        public init(key: [UInt8] = [], value: [UInt8] = [], timeReceived: String = "") {
            self.key = key
            self.value = value
            self.timeReceived = timeReceived
        }
    }
}

/// Bounds on a received kad message, checked while decoding.
public struct KadMessageLimits: Sendable, Equatable {
    /// go-libp2p's `network.MessageSizeMax` (4 MiB): requests are accepted up to this size.
    public var maxMessageBytes: Int
    /// Peers per `closerPeers` / `providerPeers` list.
    public var maxPeers: Int
    /// Addresses per peer.
    public var maxAddressesPerPeer: Int

    public init(maxMessageBytes: Int = 4 << 20, maxPeers: Int = 1000, maxAddressesPerPeer: Int = 100) {
        self.maxMessageBytes = maxMessageBytes
        self.maxPeers = maxPeers
        self.maxAddressesPerPeer = maxAddressesPerPeer
    }
}

/// Why a kad message was refused.
public enum KadMessageError: Error, Equatable, Sendable {
    /// The message exceeds ``KadMessageLimits/maxMessageBytes``.
    case tooLarge(limit: Int)
    /// A peer list exceeds ``KadMessageLimits/maxPeers``.
    case tooManyPeers(limit: Int)
    /// A peer exceeds ``KadMessageLimits/maxAddressesPerPeer``.
    case tooManyAddresses(limit: Int)
    /// Not a protobuf message of this schema (truncation, bad varint, wrong wire type, invalid UTF-8).
    case malformed(WireError)
}

// MARK: - Decoding

extension KadMessage {
    /// Decodes one message (without its length prefix).
    ///
    /// A repeated non-repeated field follows protobuf's rules: the last scalar wins and a second `record` is merged
    /// into the first.
    public init(bytes: [UInt8], limits: KadMessageLimits = KadMessageLimits()) throws(KadMessageError) {
        self.init(type: .putValue)
        guard bytes.count <= limits.maxMessageBytes else { throw .tooLarge(limit: limits.maxMessageBytes) }
        do {
            var reader = try ProtobufReader(bytes, maxMessageSize: limits.maxMessageBytes)
            while let field = try reader.next() {
                switch field.number {
                case 1: type = MessageType(rawValue: Int32(truncatingIfNeeded: try field.varint()))
                case 2: key = try field.bytes()
                case 3: record = try Record(bytes: try field.bytes(), mergingInto: record ?? Record())
                case 8:
                    guard closerPeers.count < limits.maxPeers else {
                        throw KadMessageError.tooManyPeers(limit: limits.maxPeers)
                    }
                    closerPeers.append(try Peer(bytes: try field.bytes(), limits: limits))
                case 9:
                    guard providerPeers.count < limits.maxPeers else {
                        throw KadMessageError.tooManyPeers(limit: limits.maxPeers)
                    }
                    providerPeers.append(try Peer(bytes: try field.bytes(), limits: limits))
                case 10: clusterLevelRaw = Int32(truncatingIfNeeded: try field.varint())
                default: continue
                }
            }
        } catch let error as KadMessageError {
            throw error
        } catch let error as WireError {
            throw .malformed(error)
        } catch {
            throw .malformed(.truncated)
        }
    }
}

extension KadMessage.Peer {
    init(bytes: [UInt8], limits: KadMessageLimits) throws {
        self.init(id: [])
        var reader = try ProtobufReader(bytes, maxMessageSize: bytes.count)
        while let field = try reader.next() {
            switch field.number {
            case 1: id = try field.bytes()
            case 2:
                guard addrs.count < limits.maxAddressesPerPeer else {
                    throw KadMessageError.tooManyAddresses(limit: limits.maxAddressesPerPeer)
                }
                addrs.append(try field.bytes())
            case 3: connection = KadMessage.ConnectionType(rawValue: Int32(truncatingIfNeeded: try field.varint()))
            default: continue
            }
        }
    }

    /// The encoding, fields in number order, zero fields omitted.
    var bytes: [UInt8] {
        var writer = ProtobufWriter()
        if !id.isEmpty { writer.writeBytes(field: 1, id) }
        for address in addrs { writer.writeBytes(field: 2, address) }
        writer.writeEnum(field: 3, connection.rawValue)
        return writer.bytes
    }
}

extension KadMessage.Record {
    init(bytes: [UInt8], mergingInto base: KadMessage.Record) throws {
        self = base
        var reader = try ProtobufReader(bytes, maxMessageSize: bytes.count)
        while let field = try reader.next() {
            switch field.number {
            case 1: key = try field.bytes()
            case 2: value = try field.bytes()
            case 5: timeReceived = try field.string()
            default: continue
            }
        }
    }

    /// The length of the record's encoding.
    var encodedSize: Int {
        (key.isEmpty ? 0 : KadMessage.fieldSize(key.count)) + (value.isEmpty ? 0 : KadMessage.fieldSize(value.count))
            + (timeReceived.isEmpty ? 0 : KadMessage.fieldSize(timeReceived.utf8.count))
    }

    /// The encoding, fields in number order, empty fields omitted.
    var bytes: [UInt8] {
        var writer = ProtobufWriter()
        if !key.isEmpty { writer.writeBytes(field: 1, key) }
        if !value.isEmpty { writer.writeBytes(field: 2, value) }
        if !timeReceived.isEmpty { writer.writeString(field: 5, timeReceived) }
        return writer.bytes
    }
}

// MARK: - Encoding

extension KadMessage {
    /// The encoding (without length prefix): fields in number order, proto3 zero values omitted.
    public var bytes: [UInt8] {
        var writer = ProtobufWriter()
        writer.writeEnum(field: 1, type.rawValue)
        if !key.isEmpty { writer.writeBytes(field: 2, key) }
        if let record { writer.writeBytes(field: 3, record.bytes) }
        for peer in closerPeers { writer.writeBytes(field: 8, peer.bytes) }
        for peer in providerPeers { writer.writeBytes(field: 9, peer.bytes) }
        writer.writeEnum(field: 10, clusterLevelRaw)
        return writer.bytes
    }

    /// The encoding with its uvarint length prefix, as written on the stream.
    public var framedBytes: [UInt8] {
        let body = bytes
        var out: [UInt8] = []
        out.appendLengthPrefixed(body)
        return out
    }
}

extension ProtobufWriter {
    /// Writes a proto3 int32/enum field unless it is zero; negative values take 10 bytes (sign-extended), as
    /// protobuf requires.
    fileprivate mutating func writeEnum(field: UInt32, _ value: Int32) {
        if value != 0 { writeVarint(field: field, UInt64(bitPattern: Int64(value))) }
    }
}

// MARK: - Fitting a response into a size limit

extension KadMessage {
    /// This message trimmed so its body is at most `maxBytes`, or `nil` when even the trimmed message is larger
    /// (a huge key or record).
    ///
    /// Addresses are assumed to be in preference order. First every peer's address list is cut to a common cap,
    /// lowered one at a time down to one address; then peers are dropped from the end of `closerPeers` (the farthest
    /// when the list is sorted), then from the end of `providerPeers`. A message that already fits is returned
    /// unchanged.
    public func fitted(maxBytes: Int = KadMessage.maxResponseBytes) -> KadMessage? {
        var size = encodedSize
        guard size > maxBytes else { return self }
        var message = self
        var cap = 0
        for peer in closerPeers { cap = max(cap, peer.addrs.count) }
        for peer in providerPeers { cap = max(cap, peer.addrs.count) }
        while size > maxBytes && cap > 1 {
            cap -= 1
            message.closerPeers = closerPeers.map { $0.keepingAddresses(cap) }
            message.providerPeers = providerPeers.map { $0.keepingAddresses(cap) }
            size = message.encodedSize
        }
        while size > maxBytes, let last = message.closerPeers.popLast() {
            size -= Self.fieldSize(last.encodedSize)
        }
        while size > maxBytes, let last = message.providerPeers.popLast() {
            size -= Self.fieldSize(last.encodedSize)
        }
        return size <= maxBytes ? message : nil
    }

    /// The length of ``bytes``, computed without encoding.
    public var encodedSize: Int {
        var size = Self.enumSize(type.rawValue) + Self.enumSize(clusterLevelRaw)
        if !key.isEmpty { size += Self.fieldSize(key.count) }
        if let record { size += Self.fieldSize(record.encodedSize) }
        for peer in closerPeers { size += Self.fieldSize(peer.encodedSize) }
        for peer in providerPeers { size += Self.fieldSize(peer.encodedSize) }
        return size
    }

    /// The size of a length-delimited field with a one-byte tag (every field here is below 16) and `length` bytes.
    static func fieldSize(_ length: Int) -> Int {
        1 + UVarint.encodedLength(UInt64(length)) + length
    }

    /// The size of a proto3 enum field (nothing when zero; negative values take 10 bytes).
    static func enumSize(_ value: Int32) -> Int {
        value == 0 ? 0 : 1 + UVarint.encodedLength(UInt64(bitPattern: Int64(value)))
    }
}

extension KadMessage.Peer {
    /// The length of the peer's encoding.
    var encodedSize: Int {
        var size = (id.isEmpty ? 0 : KadMessage.fieldSize(id.count)) + KadMessage.enumSize(connection.rawValue)
        for address in addrs { size += KadMessage.fieldSize(address.count) }
        return size
    }

    fileprivate func keepingAddresses(_ count: Int) -> KadMessage.Peer {
        KadMessage.Peer(id: id, addrs: Array(addrs.prefix(count)), connection: connection)
    }
}
