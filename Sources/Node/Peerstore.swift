import Identify
import Libp2pCore

/// What peers reported about themselves in identify (and identify push), bounded in entries and in the size of each
/// entry. When full, a new peer evicts the least recently seen eighth of the entries (at least one).
///
/// A signed peer record is kept as received and checked only by ``certify(_:)``, when a caller needs certified
/// addresses: checking every connecting peer's signature would cost a signature verification per connection.
public struct Peerstore {
    public struct Entry: Sendable, Equatable {
        /// Listen addresses: those of a certified signed peer record (``Peerstore/certify(_:)``), else `listenAddrs`.
        public var addresses: [Multiaddr] = []
        /// The last signed peer record received, not checked yet.
        public var uncheckedRecord: [UInt8]?
        /// Whether ``addresses`` came from a signed peer record.
        public var certified: Bool { recordSequence != nil }
        /// The sequence number of that record (an older record never replaces a newer one).
        public var recordSequence: UInt64?
        public var protocols: [String] = []
        /// How the peer sees us (its `observedAddr`).
        public var observedAddress: Multiaddr?
        public var agentVersion: String?
        public var protocolVersion: String?
        /// The last identify or push, in the caller's clock.
        public var lastSeen: UInt64 = 0
    }

    /// Addresses kept per peer.
    public static let maxAddresses = 16
    /// Protocols kept per peer.
    public static let maxProtocols = 128
    /// Longest protocol, agent or version string kept (longer ones are dropped or cut).
    public static let maxStringBytes = 256

    public let capacity: Int
    private var entries: [PeerID: Entry] = [:]

    /// - Parameter capacity: the most peers kept (at least 1).
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public var count: Int { entries.count }

    public subscript(peer: PeerID) -> Entry? { entries[peer] }

    /// Applies an identify message of `peer`. A push may be partial: fields it leaves out keep their values.
    public mutating func update(_ peer: PeerID, with message: IdentifyMessage, now: UInt64) {
        var entry = entries[peer] ?? Entry()
        if entries[peer] == nil && entries.count >= capacity { evictStalest() }
        if let record = message.signedPeerRecord, record.count <= SignedEnvelope.maxEncodedSize {
            entry.uncheckedRecord = record
        }
        if !message.listenAddrs.isEmpty && !entry.certified {
            entry.addresses = Array(
                message.listenAddrs.lazy.compactMap { try? Multiaddr(bytes: $0) }.prefix(Self.maxAddresses))
        }
        if !message.protocols.isEmpty {
            entry.protocols = Array(
                message.protocols.lazy.filter { $0.utf8.count <= Self.maxStringBytes }.prefix(Self.maxProtocols))
        }
        if let observed = message.observedAddr, let address = try? Multiaddr(bytes: observed) {
            entry.observedAddress = address
        }
        if let agent = message.agentVersion { entry.agentVersion = Self.cut(agent) }
        if let version = message.protocolVersion { entry.protocolVersion = Self.cut(version) }
        entry.lastSeen = now
        entries[peer] = entry
    }

    @discardableResult
    public mutating func remove(_ peer: PeerID) -> Entry? { entries.removeValue(forKey: peer) }

    /// Drops the least recently seen eighth (at least one): one sort per capacity/8 new peers instead of a scan of
    /// the whole store for every new peer once it is full.
    private mutating func evictStalest() {
        let count = max(1, capacity / 8)
        let stalest = entries.map { ($0.value.lastSeen, $0.key) }.sorted { $0.0 < $1.0 }.prefix(count)
        for (_, peer) in stalest { entries[peer] = nil }
    }

    /// Checks the peer's unchecked signed record: when it is a valid record of this peer, not older than the last
    /// certified one, its addresses replace the others. Returns the entry.
    @discardableResult
    public mutating func certify(_ peer: PeerID) -> Entry? {
        guard var entry = entries[peer] else { return nil }
        guard let bytes = entry.uncheckedRecord else { return entry }
        entry.uncheckedRecord = nil
        if let record = Self.certifiedRecord(bytes, of: peer), record.sequence >= entry.recordSequence ?? 0 {
            entry.addresses = Array(record.addresses.prefix(Self.maxAddresses))
            entry.recordSequence = record.sequence
        }
        entries[peer] = entry
        return entry
    }

    /// The peer record in `bytes` when it is a valid signed envelope of `peer`.
    private static func certifiedRecord(_ bytes: [UInt8]?, of peer: PeerID) -> PeerRecord? {
        guard let bytes, let envelope = try? SignedEnvelope(bytes: bytes), let record = try? PeerRecord.open(envelope),
            record.peerID == peer
        else { return nil }
        return record
    }

    private static func cut(_ text: String) -> String {
        text.utf8.count <= maxStringBytes ? text : String(decoding: text.utf8.prefix(maxStringBytes), as: UTF8.self)
    }
}
