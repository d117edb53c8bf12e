import Identify
import Libp2pCore
import Node
import Testing

@Suite struct PeerstoreTests {
    let key = Libp2pPrivateKey.generateEd25519()

    func address(_ text: String) throws -> Multiaddr { try Multiaddr(text) }

    @Test func identifyFillsAnEntryAndPushesMergePartially() throws {
        var store = Peerstore(capacity: 4)
        let peer = key.peerID
        store.update(
            peer,
            with: IdentifyMessage(
                protocolVersion: "ipfs/0.1.0", agentVersion: "go/1",
                listenAddrs: [try address("/ip4/1.2.3.4/tcp/1").bytes],
                observedAddr: try address("/ip4/5.6.7.8/tcp/9").bytes, protocols: ["/a", "/b"]),
            now: 10)
        var entry = try #require(store[peer])
        #expect(entry.addresses == [try address("/ip4/1.2.3.4/tcp/1")])
        #expect(entry.protocols == ["/a", "/b"] && entry.agentVersion == "go/1" && entry.lastSeen == 10)
        #expect(entry.observedAddress == (try address("/ip4/5.6.7.8/tcp/9")) && !entry.certified)
        // A push with only protocols keeps the rest.
        store.update(peer, with: IdentifyMessage(protocols: ["/c"]), now: 20)
        entry = try #require(store[peer])
        #expect(entry.protocols == ["/c"] && entry.agentVersion == "go/1" && entry.addresses.count == 1)
        #expect(entry.lastSeen == 20)
    }

    /// A valid signed peer record of the peer wins over listenAddrs; an older record or another peer's does not.
    @Test func signedPeerRecordsAreCertifiedAndOrdered() throws {
        var store = Peerstore(capacity: 4)
        let peer = key.peerID
        func sealed(_ sequence: UInt64, _ text: String, by signer: Libp2pPrivateKey) throws -> [UInt8] {
            try PeerRecord(peerID: signer.peerID, sequence: sequence, addresses: [try address(text)]).sealed(
                with: signer
            )
            .bytes
        }
        store.update(
            peer,
            with: IdentifyMessage(
                listenAddrs: [try address("/ip4/9.9.9.9/tcp/1").bytes],
                signedPeerRecord: try sealed(5, "/ip4/1.1.1.1/tcp/1", by: key)), now: 1)
        // Unchecked until a caller needs it.
        #expect(store[peer]?.addresses == [try address("/ip4/9.9.9.9/tcp/1")] && store[peer]?.certified == false)
        store.certify(peer)
        #expect(store[peer]?.addresses == [try address("/ip4/1.1.1.1/tcp/1")])
        #expect(store[peer]?.certified == true)
        store.update(
            peer, with: IdentifyMessage(signedPeerRecord: try sealed(4, "/ip4/2.2.2.2/tcp/1", by: key)), now: 2)
        store.certify(peer)
        #expect(store[peer]?.addresses == [try address("/ip4/1.1.1.1/tcp/1")])
        store.update(
            peer,
            with: IdentifyMessage(
                listenAddrs: [try address("/ip4/3.3.3.3/tcp/1").bytes],
                signedPeerRecord: try sealed(9, "/ip4/4.4.4.4/tcp/1", by: Libp2pPrivateKey.generateEd25519())), now: 3)
        store.certify(peer)
        #expect(store[peer]?.addresses == [try address("/ip4/1.1.1.1/tcp/1")])
        store.update(
            peer, with: IdentifyMessage(signedPeerRecord: try sealed(6, "/ip4/2.2.2.2/tcp/1", by: key)), now: 4)
        #expect(store.certify(peer)?.addresses == [try address("/ip4/2.2.2.2/tcp/1")])
    }

    /// Entries are bounded in number (least recently seen evicted) and in size.
    @Test func boundedInPeersAndPerEntry() throws {
        var store = Peerstore(capacity: 3)
        let peers = (0..<5).map { _ in Libp2pPrivateKey.generateEd25519().peerID }
        for (index, peer) in peers.enumerated() {
            store.update(peer, with: IdentifyMessage(agentVersion: "\(index)"), now: UInt64(index))
            if index == 2 { store.update(peers[0], with: IdentifyMessage(), now: 100) }
        }
        #expect(store.count == 3)
        #expect(store[peers[0]] != nil && store[peers[3]] != nil && store[peers[4]] != nil)
        #expect(store[peers[1]] == nil && store[peers[2]] == nil)

        let many = try (0..<40).map { try address("/ip4/1.1.1.\($0)/tcp/1").bytes }
        let long = String(repeating: "x", count: 1000)
        store.update(
            peers[0],
            with: IdentifyMessage(
                agentVersion: long, listenAddrs: many + [[0xff, 0xff]],
                protocols: (0..<500).map { "/p/\($0)" } + [long]), now: 200)
        let entry = try #require(store[peers[0]])
        #expect(entry.addresses.count == Peerstore.maxAddresses)
        #expect(entry.protocols.count == Peerstore.maxProtocols && !entry.protocols.contains(long))
        #expect(entry.agentVersion?.utf8.count == Peerstore.maxStringBytes)
        #expect(store.remove(peers[0]) != nil && store.count == 2)
    }

    /// A full store evicts its stalest eighth at once, never a peer seen more recently than one it keeps.
    @Test func aFullStoreEvictsItsStalestEighth() {
        var store = Peerstore(capacity: 64)
        let peers = (0..<65).map { _ in Libp2pPrivateKey.generateEd25519().peerID }
        for (index, peer) in peers.enumerated() {
            store.update(peer, with: IdentifyMessage(), now: UInt64(1000 - index))  // later peers look older
        }
        // The 65th peer (seen "earliest") arrived when the store was full: the 8 stalest of the 64 were dropped.
        #expect(store.count == 64 - 8 + 1)
        #expect(peers[0..<56].allSatisfy { store[$0] != nil })
        #expect(peers[56..<64].allSatisfy { store[$0] == nil })
        #expect(store[peers[64]] != nil)
    }
}
