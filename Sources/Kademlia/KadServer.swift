import Libp2pCore

/// What a Kademlia node does with the records it is asked to keep.
public enum KadMode: String, Sendable, CaseIterable {
    /// Answer with closer peers and store nothing, like the public bootstrappers.
    case bootstrap
    /// Also keep provider records and `/pk/` values.
    case full
}

/// Bounds and policies of a ``KadServer``.
public struct KadServerConfig: Sendable {
    public var mode: KadMode
    /// k: peers per answer.
    public var k: Int
    /// Provider records kept in total and per key (full mode).
    public var maxProviderRecords: Int
    public var maxProvidersPerKey: Int
    /// How long a provider record lives (spec and go: 48 h).
    public var providerTTL: UInt64
    /// `/pk/` values kept (full mode).
    public var maxValues: Int
    /// Which addresses are handed out (public only unless private addresses are allowed).
    public var addressFilter: @Sendable (Multiaddr) -> Bool

    public init(
        mode: KadMode = .bootstrap, k: Int = 20, maxProviderRecords: Int = 100_000, maxProvidersPerKey: Int = 20,
        providerTTL: UInt64 = 48 * 3600 * 1_000_000_000, maxValues: Int = 10_000,
        addressFilter: @escaping @Sendable (Multiaddr) -> Bool = { $0.isPublic }
    ) {
        self.mode = mode
        self.k = max(1, k)
        self.maxProviderRecords = max(0, maxProviderRecords)
        self.maxProvidersPerKey = max(1, maxProvidersPerKey)
        self.providerTTL = providerTTL
        self.maxValues = max(0, maxValues)
        self.addressFilter = addressFilter
    }
}

/// What to do with one request.
public enum KadOutcome: Equatable, Sendable {
    /// Write this response on the stream.
    case respond(KadMessage)
    /// Nothing to write (ADD_PROVIDER); the stream stays usable.
    case noResponse
    /// The request is refused: reset the stream (go returns an error and resets too). The reason is a metric label.
    case refused(String)
}

/// Provider records: for each key, the peers that said they provide it, until they expire. Bounded in total and per
/// key; a provider re-announcing refreshes its record.
public struct ProviderStore: Sendable {
    struct Record: Sendable {
        var info: KadPeerInfo
        var expires: UInt64
    }

    private var records: [[UInt8]: [Record]] = [:]
    public private(set) var count = 0
    let maxRecords: Int
    let maxPerKey: Int

    public init(maxRecords: Int, maxPerKey: Int) {
        self.maxRecords = maxRecords
        self.maxPerKey = maxPerKey
    }

    /// Number of keys with providers.
    public var keyCount: Int { records.count }

    /// Adds or refreshes a provider; false when the store or the key is full.
    @discardableResult
    public mutating func add(_ info: KadPeerInfo, for key: [UInt8], expires: UInt64) -> Bool {
        var list = records[key] ?? []
        if let index = list.firstIndex(where: { $0.info.peer == info.peer }) {
            list[index] = Record(info: info, expires: expires)
        } else {
            guard count < maxRecords, list.count < maxPerKey else { return false }
            list.append(Record(info: info, expires: expires))
            count += 1
        }
        records[key] = list
        return true
    }

    /// The unexpired providers of `key` (expired ones are dropped).
    public mutating func providers(for key: [UInt8], now: UInt64) -> [KadPeerInfo] {
        guard let list = records[key] else { return [] }
        let live = list.filter { $0.expires > now }
        count -= list.count - live.count
        records[key] = live.isEmpty ? nil : live
        return live.map(\.info)
    }

    /// Drops every expired record.
    public mutating func expire(now: UInt64) {
        for key in Array(records.keys) { _ = providers(for: key, now: now) }
    }

    /// Every record with its expiry (for snapshots).
    public var all: [(key: [UInt8], info: KadPeerInfo, expires: UInt64)] {
        records.flatMap { key, list in list.map { (key, $0.info, $0.expires) } }
    }
}

/// The request side of a Kademlia DHT server (sans-IO): the routing table, and in full mode the provider and value
/// stores, answering one request at a time.
public struct KadServer: Sendable {
    public var table: RoutingTable
    public var providers: ProviderStore
    /// `/pk/<peer ID bytes>` → public key protobuf (full mode).
    public private(set) var values: [[UInt8]: KadMessage.Record] = [:]
    public let config: KadServerConfig
    /// Our own advertised addresses: a FIND_NODE for our own peer ID is answered with ourselves (go does, and
    /// go-libp2p-kad-dht only admits servers that answer that request with at least one peer).
    public var localAddresses: [Multiaddr] = []

    public init(table: RoutingTable, config: KadServerConfig) {
        self.table = table
        self.config = config
        providers = ProviderStore(maxRecords: config.maxProviderRecords, maxPerKey: config.maxProvidersPerKey)
    }

    /// Answers `request` from `sender`. `connected` gives the addresses of a peer connected to us right now (nil if
    /// it is not): a FIND_NODE for such a peer lists it first, as go does, so DHT clients find each other through a
    /// bootstrap node.
    public mutating func handle(
        _ request: KadMessage, from sender: PeerID, now: UInt64, connected: (PeerID) -> [Multiaddr]?
    ) -> KadOutcome {
        switch request.type {
        case .findNode:
            return .respond(respond(to: request, closerFor: request.key, sender: sender, connected: connected))
        case .getProviders:
            guard !request.key.isEmpty else { return .refused("empty_key") }
            var response = respond(to: request, closerFor: request.key, sender: sender, connected: { _ in nil })
            if config.mode == .full {
                response.providerPeers = providers.providers(for: request.key, now: now).map { info in
                    KadPeerInfo(peer: info.peer, addresses: info.addresses.filter(config.addressFilter)).message()
                }
            }
            return .respond(response)
        case .addProvider:
            guard !request.key.isEmpty else { return .refused("empty_key") }
            guard config.mode == .full else { return .noResponse }
            for peer in request.providerPeers {
                // Only the sender may announce itself (go-libp2p-kad-dht ignores other providers).
                guard let info = KadPeerInfo(peer), info.peer == sender else { continue }
                // Some clients (py-libp2p) send `/…/p2p/<their ID>`: keep the transport part, drop other peers'.
                let addresses = info.addresses.compactMap { address -> Multiaddr? in
                    let (transport, id) = address.decapsulateP2P()
                    return id == nil || id == sender ? transport : nil
                }.filter(config.addressFilter)
                guard !addresses.isEmpty else { continue }
                providers.add(
                    KadPeerInfo(peer: sender, addresses: Array(addresses.prefix(table.config.maxAddressesPerPeer))),
                    for: request.key, expires: now &+ config.providerTTL)
            }
            return .noResponse
        case .getValue:
            guard !request.key.isEmpty else { return .refused("empty_key") }
            var response = respond(to: request, closerFor: request.key, sender: sender, connected: { _ in nil })
            if config.mode == .full { response.record = values[request.key] }
            return .respond(response)
        case .putValue:
            guard let record = request.record, record.key == request.key, !request.key.isEmpty else {
                return .refused("bad_record")
            }
            if config.mode == .full {
                guard Self.isValidPublicKeyRecord(key: record.key, value: record.value) else {
                    return .refused("invalid_record")
                }
                if values[record.key] == nil && values.count >= config.maxValues { return .refused("store_full") }
                values[record.key] = KadMessage.Record(key: record.key, value: record.value)
            }
            return .respond(request)
        case .ping:
            return .respond(KadMessage(type: .ping))
        default:
            return .refused("unknown_type")
        }
    }

    /// A response of the request's type with the k peers closest to `key` (and a connected target first).
    private func respond(
        to request: KadMessage, closerFor key: [UInt8], sender: PeerID, connected: (PeerID) -> [Multiaddr]?
    ) -> KadMessage {
        let target = try? PeerID(multihashBytes: key)
        if request.type == .findNode, target == table.localPeer {
            var response = KadMessage(type: .findNode)
            response.closerPeers = [KadPeerInfo(peer: table.localPeer, addresses: localAddresses).message()]
            response.clusterLevelRaw = request.clusterLevelRaw
            return response.fitted() ?? KadMessage(type: .findNode)
        }
        var peers = table.closest(to: KadKey(hashing: key), count: config.k, excluding: [sender])
        if let target, target != sender, let addresses = connected(target) {
            peers.removeAll { $0.peer == target }
            peers.insert(KadPeerInfo(peer: target, addresses: addresses), at: 0)
            peers = Array(peers.prefix(config.k))
        }
        let closer = peers.map { info in
            KadPeerInfo(peer: info.peer, addresses: info.addresses.filter(config.addressFilter)).message()
        }
        // go leaves the key out of FIND_NODE answers and echoes it otherwise.
        var response = KadMessage(type: request.type, key: request.type == .findNode ? [] : key)
        response.closerPeers = closer
        response.clusterLevelRaw = request.clusterLevelRaw
        return response.fitted() ?? KadMessage(type: request.type)
    }

    /// `/pk/` records: the key is `/pk/` + a peer ID's bytes and the value the public key protobuf of that peer.
    public static func isValidPublicKeyRecord(key: [UInt8], value: [UInt8]) -> Bool {
        let prefix = Array("/pk/".utf8)
        guard key.starts(with: prefix), let id = try? PeerID(multihashBytes: Array(key.dropFirst(prefix.count))),
            let publicKey = try? Libp2pPublicKey(protobufBytes: value)
        else { return false }
        return publicKey.peerID == id
    }

    /// Restores stored values (full mode snapshots).
    public mutating func restoreValue(_ record: KadMessage.Record) {
        guard Self.isValidPublicKeyRecord(key: record.key, value: record.value), values.count < config.maxValues else {
            return
        }
        values[record.key] = KadMessage.Record(key: record.key, value: record.value)
    }
}
