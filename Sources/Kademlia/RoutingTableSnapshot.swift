import Libp2pCore
import Wire

/// The routing table as saved in the data directory, so a restarted node starts warm.
///
/// Binary rather than JSON: peer IDs and multiaddrs are binary already (JSON would need hex or base64 and roughly
/// double the size), the module stays free of Foundation (sans-IO rule), and a fixed layout is easy to bound and to
/// fuzz. Layout (integers big-endian):
///
/// ```
/// magic "wkad" (4) | version u16 = 1 | flags u16 = 0 | body length u32 | body | CRC-32 u32 of all bytes before it
/// body    = section*            section = uvarint tag | uvarint length | payload
/// tag 1   = routing table:      uvarint count | entry*
/// entry   = uvarint len | peer ID bytes | lastSeen u64 | uvarint n | (uvarint len | multiaddr bytes)*
/// tag 2   = provider records:   uvarint count | (uvarint len | key | entry with `expires` for lastSeen)*
/// tag 3   = value records:      uvarint count | (uvarint len | key | uvarint len | value)*
/// ```
///
/// Sections 2 and 3 hold the full-mode stores and are written only when not empty; readers skip sections with tags
/// they do not know, so an older binary still reads a newer file's table. The CRC catches damaged files; everything inside is validated as well (peer IDs, multiaddrs, counts), so
/// ``init(bytes:limits:)`` either returns a value that re-encodes to an equal value or throws — it never traps.
public struct RoutingTableSnapshot: Equatable, Sendable {
    /// The format version this code writes and reads.
    public static let version: UInt16 = 1
    static let magic: [UInt8] = Array("wkad".utf8)
    static let headerLength = 12
    static let tableSection: UInt64 = 1
    static let providerSection: UInt64 = 2
    static let valueSection: UInt64 = 3

    /// One provider record: `provider` announced it provides `key`, until `expires` (the caller's clock).
    public struct Provider: Equatable, Sendable {
        public var key: [UInt8]
        public var provider: KadPeerInfo
        public var expires: UInt64

        public init(key: [UInt8], provider: KadPeerInfo, expires: UInt64) {
            self.key = key
            self.provider = provider
            self.expires = expires
        }
    }

    /// One saved peer.
    public struct Entry: Equatable, Sendable {
        public var peer: PeerID
        public var addresses: [Multiaddr]
        /// When the peer was last seen; the meaning (monotonic or wall-clock nanoseconds) is the caller's.
        public var lastSeen: UInt64

        public init(peer: PeerID, addresses: [Multiaddr], lastSeen: UInt64) {
            self.peer = peer
            self.addresses = addresses
            self.lastSeen = lastSeen
        }
    }

    public var entries: [Entry]
    /// Full mode: provider records and value records.
    public var providers: [Provider]
    public var values: [KadMessage.Record]

    public init(entries: [Entry] = [], providers: [Provider] = [], values: [KadMessage.Record] = []) {
        self.entries = entries
        self.providers = providers
        self.values = values
    }

    /// The file contents.
    public func encode() -> [UInt8] {
        var table: [UInt8] = []
        table.appendUVarint(UInt64(entries.count))
        for entry in entries { Self.append(entry, to: &table) }
        var body: [UInt8] = []
        body.appendUVarint(Self.tableSection)
        body.appendLengthPrefixed(table)
        if !providers.isEmpty {
            var section: [UInt8] = []
            section.appendUVarint(UInt64(providers.count))
            for record in providers {
                section.appendLengthPrefixed(record.key)
                Self.append(
                    Entry(peer: record.provider.peer, addresses: record.provider.addresses, lastSeen: record.expires),
                    to: &section)
            }
            body.appendUVarint(Self.providerSection)
            body.appendLengthPrefixed(section)
        }
        if !values.isEmpty {
            var section: [UInt8] = []
            section.appendUVarint(UInt64(values.count))
            for record in values {
                section.appendLengthPrefixed(record.key)
                section.appendLengthPrefixed(record.value)
            }
            body.appendUVarint(Self.valueSection)
            body.appendLengthPrefixed(section)
        }
        var out = Self.magic
        out.appendUInt16BE(Self.version)
        out.appendUInt16BE(0)
        out.appendUInt32BE(UInt32(truncatingIfNeeded: body.count))
        out += body
        out.appendUInt32BE(CRC32.checksum(out))
        return out
    }

    private static func append(_ entry: Entry, to bytes: inout [UInt8]) {
        bytes.appendLengthPrefixed(entry.peer.bytes)
        bytes.appendUInt64BE(entry.lastSeen)
        bytes.appendUVarint(UInt64(entry.addresses.count))
        for address in entry.addresses { bytes.appendLengthPrefixed(address.bytes) }
    }

    /// Decodes and validates a file's contents.
    public init(bytes: [UInt8], limits: RoutingTableSnapshotLimits = .init()) throws(RoutingTableSnapshotError) {
        guard bytes.count <= limits.maxBytes else { throw .tooLarge(limit: limits.maxBytes) }
        guard bytes.count >= Self.headerLength + 4 else { throw .truncated }
        guard Array(bytes.prefix(4)) == Self.magic else { throw .badMagic }
        var header = ByteReader(Array(bytes[4..<Self.headerLength]))
        let version = (try? header.readUInt16BE()) ?? 0
        let flags = (try? header.readUInt16BE()) ?? 0
        let declared = Int((try? header.readUInt32BE()) ?? 0)
        guard version == Self.version else { throw .unsupportedVersion(version) }
        let expected = Self.headerLength + declared + 4
        guard bytes.count >= expected else { throw .truncated }
        guard bytes.count == expected else { throw .trailingBytes }
        var trailer = ByteReader(Array(bytes.suffix(4)))
        guard (try? trailer.readUInt32BE()) == CRC32.checksum(bytes.prefix(expected - 4)) else {
            throw .checksumMismatch
        }
        guard flags == 0 else { throw .unsupportedFlags(flags) }
        self.init()
        do {
            var body = ByteReader(Array(bytes[Self.headerLength..<(expected - 4)]))
            var seen = Set<UInt64>()
            while !body.isAtEnd {
                let tag = try body.readUVarint()
                let payload = try body.readLengthPrefixedBytes(maxLength: limits.maxBytes)
                guard [Self.tableSection, Self.providerSection, Self.valueSection].contains(tag) else { continue }
                guard seen.insert(tag).inserted else { throw RoutingTableSnapshotError.duplicateSection(tag: tag) }
                switch tag {
                case Self.tableSection: entries = try Self.decodeTable(payload, limits: limits)
                case Self.providerSection: providers = try Self.decodeProviders(payload, limits: limits)
                default: values = try Self.decodeValues(payload, limits: limits)
                }
            }
        } catch let error as RoutingTableSnapshotError {
            throw error
        } catch let error as WireError {
            throw .malformed(error)
        } catch {
            throw .malformed(.truncated)
        }
    }

    private static func decodeTable(_ payload: [UInt8], limits: RoutingTableSnapshotLimits) throws -> [Entry] {
        var reader = ByteReader(payload)
        let count = try reader.readUVarint()
        guard count <= UInt64(limits.maxEntries) else {
            throw RoutingTableSnapshotError.tooManyEntries(limit: limits.maxEntries)
        }
        var entries: [Entry] = []
        var seen = Set<PeerID>()
        for _ in 0..<count {
            let entry = try decodeEntry(&reader, limits: limits)
            guard seen.insert(entry.peer).inserted else { throw RoutingTableSnapshotError.duplicatePeer }
            entries.append(entry)
        }
        guard reader.isAtEnd else { throw RoutingTableSnapshotError.trailingBytes }
        return entries
    }

    private static func decodeEntry(_ reader: inout ByteReader, limits: RoutingTableSnapshotLimits) throws -> Entry {
        let id = try reader.readLengthPrefixedBytes(maxLength: 256)
        guard let peer = try? PeerID(multihashBytes: id) else { throw RoutingTableSnapshotError.invalidPeerID }
        let lastSeen = try reader.readUInt64BE()
        let addressCount = try reader.readUVarint()
        guard addressCount <= UInt64(limits.maxAddressesPerEntry) else {
            throw RoutingTableSnapshotError.tooManyAddresses(limit: limits.maxAddressesPerEntry)
        }
        var addresses: [Multiaddr] = []
        for _ in 0..<addressCount {
            let raw = try reader.readLengthPrefixedBytes(maxLength: Multiaddr.maxLength)
            guard let address = try? Multiaddr(bytes: raw) else { throw RoutingTableSnapshotError.invalidAddress }
            addresses.append(address)
        }
        return Entry(peer: peer, addresses: addresses, lastSeen: lastSeen)
    }

    private static func decodeProviders(_ payload: [UInt8], limits: RoutingTableSnapshotLimits) throws -> [Provider] {
        var reader = ByteReader(payload)
        let count = try reader.readUVarint()
        guard count <= UInt64(limits.maxRecords) else {
            throw RoutingTableSnapshotError.tooManyEntries(limit: limits.maxRecords)
        }
        var providers: [Provider] = []
        for _ in 0..<count {
            let key = try reader.readLengthPrefixedBytes(maxLength: limits.maxRecordKeyBytes)
            let entry = try decodeEntry(&reader, limits: limits)
            providers.append(
                Provider(
                    key: key, provider: KadPeerInfo(peer: entry.peer, addresses: entry.addresses),
                    expires: entry.lastSeen))
        }
        guard reader.isAtEnd else { throw RoutingTableSnapshotError.trailingBytes }
        return providers
    }

    private static func decodeValues(_ payload: [UInt8], limits: RoutingTableSnapshotLimits) throws -> [KadMessage
        .Record]
    {
        var reader = ByteReader(payload)
        let count = try reader.readUVarint()
        guard count <= UInt64(limits.maxRecords) else {
            throw RoutingTableSnapshotError.tooManyEntries(limit: limits.maxRecords)
        }
        var values: [KadMessage.Record] = []
        for _ in 0..<count {
            let key = try reader.readLengthPrefixedBytes(maxLength: limits.maxRecordKeyBytes)
            let value = try reader.readLengthPrefixedBytes(maxLength: limits.maxValueBytes)
            values.append(KadMessage.Record(key: key, value: value))
        }
        guard reader.isAtEnd else { throw RoutingTableSnapshotError.trailingBytes }
        return values
    }
}

/// Bounds on a snapshot being read.
public struct RoutingTableSnapshotLimits: Sendable, Equatable {
    /// The largest file accepted (default 8 MiB; a full default table is about 0.5 MiB).
    public var maxBytes: Int
    /// Entries in the table section (default 256 buckets × 20 peers).
    public var maxEntries: Int
    /// Addresses per entry.
    public var maxAddressesPerEntry: Int
    /// Provider records, and value records, per section.
    public var maxRecords: Int
    public var maxRecordKeyBytes: Int
    public var maxValueBytes: Int

    public init(
        maxBytes: Int = 8 << 20, maxEntries: Int = 256 * 20, maxAddressesPerEntry: Int = 32,
        maxRecords: Int = 1_000_000, maxRecordKeyBytes: Int = 1024, maxValueBytes: Int = 64 * 1024
    ) {
        self.maxBytes = maxBytes
        self.maxEntries = maxEntries
        self.maxAddressesPerEntry = maxAddressesPerEntry
        self.maxRecords = maxRecords
        self.maxRecordKeyBytes = maxRecordKeyBytes
        self.maxValueBytes = maxValueBytes
    }
}

/// Why a snapshot was refused. The daemon keeps a refused file aside and starts cold.
public enum RoutingTableSnapshotError: Error, Equatable, Sendable {
    /// Larger than ``RoutingTableSnapshotLimits/maxBytes``.
    case tooLarge(limit: Int)
    /// Shorter than its header or its declared length.
    case truncated
    /// Not a snapshot (wrong magic bytes).
    case badMagic
    /// A format version this code does not read.
    case unsupportedVersion(UInt16)
    /// Flags this code does not know (none are defined in version 1).
    case unsupportedFlags(UInt16)
    /// The CRC-32 does not match: the file is damaged.
    case checksumMismatch
    /// Bytes after the declared end, or after a section's contents.
    case trailingBytes
    /// A section that may appear once appears twice.
    case duplicateSection(tag: UInt64)
    case tooManyEntries(limit: Int)
    case tooManyAddresses(limit: Int)
    case invalidPeerID
    case invalidAddress
    /// The same peer twice.
    case duplicatePeer
    /// A length or varint inside the body is malformed.
    case malformed(WireError)
}

extension RoutingTable {
    /// The table's entries, bucket 0 first and least recently seen first within a bucket, with the table's
    /// `lastSeen` values (replacement caches are not saved).
    public func snapshot() -> RoutingTableSnapshot {
        RoutingTableSnapshot(
            entries: entries.map { .init(peer: $0.peer, addresses: $0.addresses, lastSeen: $0.lastSeen) })
    }

    /// Adds a snapshot's peers (oldest `lastSeen` first, so the least-recently-seen order survives), all stamped
    /// `now`; the address filter and diversity caps apply as for ``observe(_:addresses:now:)``, and peers that do not
    /// fit a full bucket go to its replacement cache without a liveness check. Returns how many peers were added.
    @discardableResult
    public mutating func restore(_ snapshot: RoutingTableSnapshot, now: UInt64) -> Int {
        var added = 0
        let order = snapshot.entries.indices.sorted {
            (snapshot.entries[$0].lastSeen, $0) < (snapshot.entries[$1].lastSeen, $1)
        }
        for entry in order.map({ snapshot.entries[$0] }) {
            if observe(entry.peer, addresses: entry.addresses, now: now, startingChecks: false) == .added {
                added += 1
            }
        }
        return added
    }
}
