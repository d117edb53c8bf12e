import Libp2pCore
import Testing

@testable import Kademlia

@Suite struct KadServerTests {
    let local = Libp2pPrivateKey.generateEd25519().peerID
    let sender = Libp2pPrivateKey.generateEd25519().peerID

    func address(_ i: Int) -> Multiaddr { try! Multiaddr("/ip4/\(1 + i / 250).\(i % 250).3.4/tcp/4001") }

    func server(_ mode: KadMode, peers: Int = 50, k: Int = 20) -> (KadServer, [PeerID]) {
        var config = RoutingTableConfig(bucketSize: k)
        config.diversity.isEnabled = false
        var server = KadServer(
            table: RoutingTable(localPeer: local, config: config), config: KadServerConfig(mode: mode, k: k))
        var ids: [PeerID] = []
        for i in 0..<peers {
            let id = Libp2pPrivateKey.generateEd25519().peerID
            if server.table.observe(id, addresses: [address(i)], now: 1) == .added { ids.append(id) }
        }
        return (server, ids)
    }

    func closer(_ outcome: KadOutcome) -> [PeerID] {
        guard case .respond(let message) = outcome else { return [] }
        return message.closerPeers.compactMap { try? PeerID(multihashBytes: $0.id) }
    }

    @Test func findNodeAnswersTheKClosestWithoutTheSender() {
        var (server, ids) = server(.bootstrap)
        _ = server.table.observe(sender, addresses: [address(999)], now: 1)
        let target = Libp2pPrivateKey.generateEd25519().peerID
        let outcome = server.handle(
            KadMessage(type: .findNode, key: target.bytes), from: sender, now: 2, connected: { _ in nil })
        let expected = (ids).sorted {
            KadKey(peer: $0).distance(to: KadKey(peer: target)) < KadKey(peer: $1).distance(to: KadKey(peer: target))
        }
        #expect(closer(outcome) == Array(expected.prefix(20)))
        guard case .respond(let message) = outcome else {
            Issue.record("no response")
            return
        }
        #expect(message.type == .findNode && message.key.isEmpty)
        #expect(message.closerPeers.allSatisfy { $0.addrs.count == 1 })
    }

    /// A FIND_NODE for our own ID is answered with ourselves (go-libp2p-kad-dht's lookup check needs a peer back).
    @Test func findNodeForOurselvesAnswersOurselves() {
        var (server, _) = server(.bootstrap)
        server.localAddresses = [address(500)]
        let outcome = server.handle(KadMessage(type: .findNode, key: local.bytes), from: sender, now: 2) { _ in nil }
        guard case .respond(let message) = outcome else {
            Issue.record("no response")
            return
        }
        #expect(message.closerPeers.map { KadPeerInfo($0) } == [KadPeerInfo(peer: local, addresses: [address(500)])])
    }

    /// A connected peer (even a DHT client, not in the table) comes first when it is the target.
    @Test func aConnectedTargetComesFirst() {
        var (server, _) = server(.bootstrap)
        let client = Libp2pPrivateKey.generateEd25519().peerID
        let clientAddress = address(777)
        let outcome = server.handle(
            KadMessage(type: .findNode, key: client.bytes), from: sender, now: 2,
            connected: { $0 == client ? [clientAddress] : nil })
        #expect(closer(outcome).first == client)
        #expect(closer(outcome).count == 20)
        let notConnected = server.handle(
            KadMessage(type: .findNode, key: client.bytes), from: sender, now: 2, connected: { _ in nil })
        #expect(!closer(notConnected).contains(client))
    }

    @Test func privateAddressesAreNotHandedOutAndAnswersFit16KiB() {
        var config = RoutingTableConfig(maxAddressesPerPeer: 64, addressFilter: { _ in true })
        config.diversity.isEnabled = false
        var server = KadServer(table: RoutingTable(localPeer: local, config: config), config: KadServerConfig())
        for i in 0..<20 {
            let addresses = (0..<60).map {
                try! Multiaddr("/dns4/host-\($0)-\(i).some-long-domain.example.org/tcp/4001")
            }
            _ = server.table.observe(
                Libp2pPrivateKey.generateEd25519().peerID,
                addresses: [try! Multiaddr("/ip4/10.0.0.\(i)/tcp/1")] + addresses, now: 1)
        }
        let target = Libp2pPrivateKey.generateEd25519().peerID
        let outcome = server.handle(KadMessage(type: .findNode, key: target.bytes), from: sender, now: 2) { _ in nil }
        guard case .respond(let message) = outcome else {
            Issue.record("no response")
            return
        }
        #expect(message.bytes.count <= KadMessage.maxResponseBytes)
        #expect(message.closerPeers.count == 20)
        let all = message.closerPeers.flatMap(\.addrs).compactMap { try? Multiaddr(bytes: $0) }
        #expect(!all.isEmpty && all.allSatisfy(\.isPublic))
    }

    @Test func bootstrapModeStoresNothing() {
        var (server, _) = server(.bootstrap)
        let key = Array("some-cid".utf8)
        let add = KadMessage(
            type: .addProvider, key: key, providerPeers: [KadPeerInfo(peer: sender, addresses: [address(1)]).message()])
        #expect(server.handle(add, from: sender, now: 1) { _ in nil } == .noResponse)
        let get = server.handle(KadMessage(type: .getProviders, key: key), from: sender, now: 2) { _ in nil }
        guard case .respond(let message) = get else {
            Issue.record("no response")
            return
        }
        #expect(message.providerPeers.isEmpty && message.closerPeers.count == 20 && message.key == key)
        #expect(server.providers.count == 0)
        let key2 = Libp2pPrivateKey.generateEd25519()
        let put = KadMessage(
            type: .putValue, key: Array("/pk/".utf8) + key2.peerID.bytes,
            record: .init(key: Array("/pk/".utf8) + key2.peerID.bytes, value: key2.publicKey.protobufBytes))
        #expect(server.handle(put, from: sender, now: 3) { _ in nil } == .respond(put))
        #expect(server.values.isEmpty)
    }

    @Test func fullModeKeepsProvidersFromTheSenderUntilTheyExpire() {
        var (server, _) = server(.full)
        let key = Array("cid".utf8)
        let other = Libp2pPrivateKey.generateEd25519().peerID
        let add = KadMessage(
            type: .addProvider, key: key,
            providerPeers: [
                KadPeerInfo(
                    peer: sender,
                    addresses: [
                        try! Multiaddr("\(address(1))/p2p/\(sender)"), try! Multiaddr("/ip4/127.0.0.1/tcp/1"),
                        try! Multiaddr("\(address(3))/p2p/\(other)"),
                    ]
                ).message(),
                KadPeerInfo(peer: other, addresses: [address(2)]).message(),
            ])
        #expect(server.handle(add, from: sender, now: 10) { _ in nil } == .noResponse)
        #expect(server.providers.count == 1)
        let get = server.handle(KadMessage(type: .getProviders, key: key), from: other, now: 11) { _ in nil }
        guard case .respond(let message) = get else {
            Issue.record("no response")
            return
        }
        #expect(message.providerPeers.count == 1)
        #expect(KadPeerInfo(message.providerPeers[0]) == KadPeerInfo(peer: sender, addresses: [address(1)]))
        let later = server.handle(
            KadMessage(type: .getProviders, key: key), from: other, now: 10 + server.config.providerTTL
        ) { _ in nil }
        guard case .respond(let expired) = later else {
            Issue.record("no response")
            return
        }
        #expect(expired.providerPeers.isEmpty && server.providers.count == 0)
    }

    @Test func providerStoreIsBounded() {
        var store = ProviderStore(maxRecords: 3, maxPerKey: 2)
        let peers = (0..<4).map { _ in
            KadPeerInfo(peer: Libp2pPrivateKey.generateEd25519().peerID, addresses: [address(1)])
        }
        let added = [
            store.add(peers[0], for: [1], expires: 10), store.add(peers[1], for: [1], expires: 10),
            store.add(peers[2], for: [1], expires: 10), store.add(peers[0], for: [1], expires: 20),
            store.add(peers[2], for: [2], expires: 10), store.add(peers[3], for: [3], expires: 10),
        ]
        // Per-key cap, a refresh of a known provider, then the total cap.
        #expect(added == [true, true, false, true, true, false])
        #expect(store.count == 3 && store.keyCount == 2)
        store.expire(now: 15)
        #expect(store.count == 1)
    }

    @Test func fullModeValidatesPublicKeyRecords() {
        var (server, _) = server(.full)
        let key = Libp2pPrivateKey.generateEd25519()
        let recordKey = Array("/pk/".utf8) + key.peerID.bytes
        let good = KadMessage(
            type: .putValue, key: recordKey, record: .init(key: recordKey, value: key.publicKey.protobufBytes))
        #expect(server.handle(good, from: sender, now: 1) { _ in nil } == .respond(good))
        let wrongKey = Libp2pPrivateKey.generateEd25519().publicKey.protobufBytes
        let bad = KadMessage(type: .putValue, key: recordKey, record: .init(key: recordKey, value: wrongKey))
        #expect(server.handle(bad, from: sender, now: 1) { _ in nil } == .refused("invalid_record"))
        let other = KadMessage(
            type: .putValue, key: Array("/ipns/x".utf8), record: .init(key: Array("/ipns/x".utf8), value: [1]))
        #expect(server.handle(other, from: sender, now: 1) { _ in nil } == .refused("invalid_record"))
        let get = server.handle(KadMessage(type: .getValue, key: recordKey), from: sender, now: 2) { _ in nil }
        guard case .respond(let message) = get else {
            Issue.record("no response")
            return
        }
        #expect(message.record?.value == key.publicKey.protobufBytes)
    }

    @Test func pingAndUnknownTypes() {
        var (server, _) = server(.bootstrap, peers: 0)
        #expect(
            server.handle(KadMessage(type: .ping), from: sender, now: 1) { _ in nil }
                == .respond(KadMessage(type: .ping)))
        #expect(
            server.handle(KadMessage(type: .init(rawValue: 42)), from: sender, now: 1) { _ in nil }
                == .refused("unknown_type"))
        #expect(
            server.handle(KadMessage(type: .getProviders), from: sender, now: 1) { _ in nil } == .refused("empty_key"))
    }
}
