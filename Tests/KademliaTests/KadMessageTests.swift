import Foundation
import Kademlia
import Libp2pCore
import TestSupport
import Testing
import Wire

@Suite struct KadMessageTests {
    struct Vector {
        let name: String
        let message: [UInt8]
        let framed: [UInt8]
        let decoded: [String: Any]
    }

    /// Every `/ipfs/kad/1.0.0` entry of shared/vectors/protobuf_messages.json.
    static func vectors() throws -> [Vector] {
        let url = try #require(
            Bundle.module.url(forResource: "protobuf_messages", withExtension: "json", subdirectory: "Vectors"))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let messages = try #require(root["messages"] as? [[String: Any]])
        return try messages.filter { ($0["protocol"] as? String) == "/ipfs/kad/1.0.0" }.map { entry in
            Vector(
                name: try #require(entry["name"] as? String),
                message: try Hex.decode(try #require(entry["message_hex"] as? String)),
                framed: try Hex.decode(try #require(entry["framed_hex"] as? String)),
                decoded: try #require(entry["decoded"] as? [String: Any]))
        }
    }

    /// `"hex 0a0b"` → bytes.
    static func hexField(_ value: Any?) throws -> [UInt8] {
        let text = try #require(value as? String)
        #expect(text.hasPrefix("hex "))
        return try Hex.decode(String(text.dropFirst(4)))
    }

    static func checkPeers(_ peers: [KadMessage.Peer], _ expected: Any?) throws {
        let expected = (expected as? [[String: Any]]) ?? []
        #expect(peers.count == expected.count)
        for (peer, fields) in zip(peers, expected) {
            let id = try #require(fields["id"] as? String)
            #expect(try PeerID(multihashBytes: peer.id).base58 == String(id.dropFirst("peer ".count)))
            let addrs = try peer.addrs.map { try Multiaddr(bytes: $0).description }
            #expect(addrs == (fields["addrs"] as? [String] ?? []))
            let connection = fields["connection"] as? String ?? "NOT_CONNECTED"
            let names = ["NOT_CONNECTED", "CONNECTED", "CAN_CONNECT", "CANNOT_CONNECT"]
            #expect(names.firstIndex(of: connection).map(Int32.init) == peer.connection.rawValue)
            #expect(KadPeerInfo(peer)?.message(connection: peer.connection) == peer)
        }
    }

    /// Every kad vector decodes to its documented fields and re-encodes byte-exact, framed and unframed.
    @Test func vectorsRoundTripByteExact() throws {
        let vectors = try Self.vectors()
        #expect(vectors.count >= 5)
        for vector in vectors {
            let message = try KadMessage(bytes: vector.message)
            let typeName = vector.decoded["type"] as? String ?? "PUT_VALUE"
            #expect(message.type.description == typeName, "\(vector.name)")
            if let key = vector.decoded["key"] {
                #expect(message.key == (try Self.hexField(key)), "\(vector.name)")
            } else {
                #expect(message.key.isEmpty)
            }
            if let record = vector.decoded["record"] as? [String: Any] {
                #expect(message.record?.key == (try Self.hexField(record["key"])))
                #expect(message.record?.value == (try Self.hexField(record["value"])))
            } else {
                #expect(message.record == nil)
            }
            try Self.checkPeers(message.closerPeers, vector.decoded["closerPeers"])
            try Self.checkPeers(message.providerPeers, vector.decoded["providerPeers"])
            #expect(message.bytes == vector.message, "\(vector.name)")
            #expect(message.framedBytes == vector.framed, "\(vector.name)")
        }
    }

    /// go omits `type` for PUT_VALUE; a type present as an explicit 0 still decodes as PUT_VALUE and re-encodes
    /// without the field.
    @Test func missingOrZeroTypeIsPutValue() throws {
        #expect(try KadMessage(bytes: []).type == .putValue)
        let explicitZero = try KadMessage(bytes: [0x08, 0x00, 0x12, 0x01, 0x61])
        #expect(explicitZero.type == .putValue && explicitZero.key == [0x61])
        #expect(explicitZero.bytes == [0x12, 0x01, 0x61])
    }

    /// Unknown fields (rust's Record.publisher 666 and ttl 777, py-libp2p's senderRecord 11 and Peer.signedRecord 4)
    /// are skipped.
    @Test func unknownFieldsAreSkipped() throws {
        var record = ProtobufWriter()
        record.writeBytes(field: 1, [1, 2])
        record.writeBytes(field: 2, [3])
        record.writeBytes(field: 666, [9, 9])
        record.writeVarint(field: 777, 3600)
        var peer = ProtobufWriter()
        peer.writeBytes(field: 1, [0x12, 0x20] + [UInt8](repeating: 7, count: 32))
        peer.writeBytes(field: 4, [0xAA])
        peer.writeVarint(field: 3, 2)
        var writer = ProtobufWriter()
        writer.writeVarint(field: 1, 1)
        writer.writeMessage(field: 3, record)
        writer.writeMessage(field: 8, peer)
        writer.writeBytes(field: 11, [1, 2, 3])
        writer.writeFixed32(field: 12, 5)
        writer.writeFixed64(field: 13, 6)
        let message = try KadMessage(bytes: writer.bytes)
        #expect(message.type == .getValue)
        #expect(message.record == KadMessage.Record(key: [1, 2], value: [3]))
        #expect(message.closerPeers.count == 1 && message.closerPeers[0].connection == .canConnect)
        #expect(message.closerPeers[0].addrs.isEmpty)
        // The re-encoding drops the unknown fields and decodes equal.
        #expect(try KadMessage(bytes: message.bytes) == message)
        #expect(message.bytes.count < writer.bytes.count)
    }

    /// Field order and presence: number order, zero scalars and empty bytes omitted, negative enums sign-extended.
    @Test func encodingIsDeterministic() throws {
        let peer = KadMessage.Peer(id: [1], addrs: [[2], [3]], connection: .connected)
        let message = KadMessage(
            type: .getProviders, key: [0xAB], record: KadMessage.Record(timeReceived: "t"), closerPeers: [peer],
            providerPeers: [KadMessage.Peer(id: [4])], clusterLevelRaw: -1)
        let expected: [UInt8] =
            [0x08, 0x03, 0x12, 0x01, 0xAB, 0x1A, 0x03, 0x2A, 0x01, 0x74]
            + [0x42, 0x0B, 0x0A, 0x01, 0x01, 0x12, 0x01, 0x02, 0x12, 0x01, 0x03, 0x18, 0x01]
            + [0x4A, 0x03, 0x0A, 0x01, 0x04]
            + [0x50] + [UInt8](repeating: 0xFF, count: 9) + [0x01]
        #expect(message.bytes == expected)
        #expect(try KadMessage(bytes: expected) == message)
        // An empty record is present (message fields have presence).
        let emptyRecord = KadMessage(type: .putValue, record: KadMessage.Record())
        #expect(emptyRecord.bytes == [0x1A, 0x00])
        #expect(try KadMessage(bytes: [0x1A, 0x00]) == emptyRecord)
        // Unknown enum values survive a round trip.
        let odd = try KadMessage(bytes: [0x08, 0x2A])
        #expect(odd.type.rawValue == 42 && odd.bytes == [0x08, 0x2A] && odd.type.description == "UNKNOWN(42)")
    }

    /// A repeated `record` field merges into the first (protobuf's rule for embedded messages); scalars: last wins.
    @Test func repeatedFieldsFollowProtobufRules() throws {
        var writer = ProtobufWriter()
        writer.writeVarint(field: 1, 1)
        writer.writeBytes(field: 3, [0x0A, 0x01, 0x01, 0x12, 0x01, 0x02])
        writer.writeBytes(field: 3, [0x12, 0x01, 0x09])
        writer.writeVarint(field: 1, 4)
        let message = try KadMessage(bytes: writer.bytes)
        #expect(message.type == .findNode)
        #expect(message.record == KadMessage.Record(key: [1], value: [9]))
    }

    @Test func malformedInputAndLimitsAreErrors() throws {
        let vector = try #require(try Self.vectors().first { $0.name.contains("FIND_NODE response") })
        // `08 04 | 42 34 <peer>`: every cut but the one after the type field ends inside a field.
        for cut in 1..<vector.message.count where cut != 2 {
            #expect(throws: KadMessageError.self) { try KadMessage(bytes: Array(vector.message.prefix(cut))) }
        }
        #expect(throws: KadMessageError.tooLarge(limit: 10)) {
            try KadMessage(bytes: vector.message, limits: KadMessageLimits(maxMessageBytes: 10))
        }
        let twoPeers = KadMessage(type: .findNode, closerPeers: [.init(id: [1]), .init(id: [2])])
        #expect(throws: KadMessageError.tooManyPeers(limit: 1)) {
            try KadMessage(bytes: twoPeers.bytes, limits: KadMessageLimits(maxPeers: 1))
        }
        let providers = KadMessage(type: .getProviders, providerPeers: [.init(id: [1]), .init(id: [2])])
        #expect(throws: KadMessageError.tooManyPeers(limit: 1)) {
            try KadMessage(bytes: providers.bytes, limits: KadMessageLimits(maxPeers: 1))
        }
        let manyAddrs = KadMessage(type: .findNode, closerPeers: [.init(id: [1], addrs: [[1], [2], [3]])])
        #expect(throws: KadMessageError.tooManyAddresses(limit: 2)) {
            try KadMessage(bytes: manyAddrs.bytes, limits: KadMessageLimits(maxAddressesPerPeer: 2))
        }
        // Wrong wire type for `type`, `key`, a peer and a record field; invalid UTF-8 in timeReceived; a group.
        let bad: [[UInt8]] = [
            [0x0A, 0x00], [0x10, 0x01], [0x42, 0x02, 0x08, 0x01], [0x1A, 0x02, 0x08, 0x01],
            [0x1A, 0x03, 0x2A, 0x01, 0xFF], [0x0B], [0x00], [0x42, 0x05, 0x0A],
        ]
        for bytes in bad {
            #expect(throws: KadMessageError.self, "\(bytes)") { try KadMessage(bytes: bytes) }
        }
    }

    /// Peers with invalid IDs are refused by `KadPeerInfo`; bad addresses are dropped one by one.
    @Test func peerInfoValidation() throws {
        #expect(KadPeerInfo(KadMessage.Peer(id: [1, 2, 3])) == nil)
        let id = [0x12, 0x20] + [UInt8](repeating: 5, count: 32)
        let good = try Multiaddr("/ip4/203.0.113.5/tcp/4001")
        let info = try #require(KadPeerInfo(KadMessage.Peer(id: id, addrs: [[0xFF, 0xFF], good.bytes, []])))
        #expect(info.addresses == [good])
        #expect(info.peer.bytes == id)
    }

    /// Responses are cut to 16 KiB: addresses per peer first, then the farthest closer peers, then providers.
    @Test func fittingTrimsAddressesThenPeers() throws {
        func peer(_ i: Int, addrs: Int) -> KadMessage.Peer {
            let id = [0x12, 0x20] + [UInt8](repeating: UInt8(i), count: 32)
            let addresses = (0..<addrs).map { a in [0x04, 198, 51, UInt8(i), UInt8(a), 0x06, 0x0F, 0xA1] }
            return KadMessage.Peer(id: id, addrs: addresses, connection: .connected)
        }
        // 20 peers with 8 addresses fit easily: unchanged.
        let small = KadMessage(type: .findNode, key: [1, 2, 3], closerPeers: (0..<20).map { peer($0, addrs: 8) })
        #expect(small.bytes.count < KadMessage.maxResponseBytes)
        #expect(small.fitted() == small)
        // 20 peers × 100 addresses (≈ 20 KB) lose addresses, keep every peer, and keep each peer's first addresses.
        let wide = KadMessage(type: .findNode, closerPeers: (0..<20).map { peer($0, addrs: 100) })
        #expect(wide.bytes.count > KadMessage.maxResponseBytes)
        let fittedWide = try #require(wide.fitted())
        #expect(fittedWide.bytes.count <= KadMessage.maxResponseBytes)
        #expect(fittedWide.closerPeers.count == 20)
        let cap = fittedWide.closerPeers[0].addrs.count
        #expect(cap > 1 && cap < 100)
        for (trimmed, original) in zip(fittedWide.closerPeers, wide.closerPeers) {
            #expect(trimmed.addrs == Array(original.addrs.prefix(cap)) && trimmed.id == original.id)
        }
        // One more address would not have fit (the cap is the largest that fits).
        let looser = KadMessage(
            type: .findNode,
            closerPeers: wide.closerPeers.map {
                .init(id: $0.id, addrs: Array($0.addrs.prefix(cap + 1)), connection: $0.connection)
            })
        #expect(looser.bytes.count > KadMessage.maxResponseBytes)
        // 1000 providers: peers dropped from the end, closer peers before providers.
        let many = KadMessage(
            type: .getProviders, closerPeers: (0..<300).map { peer($0 % 256, addrs: 2) },
            providerPeers: (0..<300).map { peer($0 % 256, addrs: 1) })
        let fittedMany = try #require(many.fitted())
        #expect(fittedMany.bytes.count <= KadMessage.maxResponseBytes)
        #expect(fittedMany.closerPeers.isEmpty || fittedMany.providerPeers.count == 300)
        #expect(fittedMany.providerPeers == Array(many.providerPeers.prefix(fittedMany.providerPeers.count)))
        // A record larger than the limit cannot fit.
        let huge = KadMessage(
            type: .getValue, record: KadMessage.Record(key: [1], value: [UInt8](repeating: 0, count: 20_000)))
        #expect(huge.fitted() == nil)
        #expect(huge.fitted(maxBytes: 30_000) == huge)
    }

    /// `encodedSize` (used to fit answers without encoding them) is the encoding's length, for every vector and for
    /// messages with records, negative enums and many peers.
    @Test func encodedSizeMatchesTheEncoding() throws {
        for vector in try Self.vectors() {
            let message = try KadMessage(bytes: vector.message)
            #expect(message.encodedSize == message.bytes.count)
        }
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<200 {
            let peers = (0..<Int.random(in: 0...30, using: &rng)).map { _ in
                KadMessage.Peer(
                    id: (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) },
                    addrs: (0..<Int.random(in: 0...5, using: &rng)).map { _ in
                        [UInt8](repeating: 1, count: Int.random(in: 0...200, using: &rng))
                    },
                    connection: .init(rawValue: Int32.random(in: -2...3, using: &rng)))
            }
            var message = KadMessage(
                type: .init(rawValue: Int32.random(in: -1...5, using: &rng)),
                key: [UInt8](repeating: 7, count: Int.random(in: 0...300, using: &rng)))
            message.closerPeers = peers
            message.providerPeers = Array(peers.prefix(3))
            message.clusterLevelRaw = Int32.random(in: -3...3, using: &rng)
            if Bool.random(using: &rng) {
                message.record = .init(key: [1], value: [UInt8](repeating: 2, count: 150), timeReceived: "now")
            }
            #expect(message.encodedSize == message.bytes.count)
        }
    }

    @Test func randomBytesNeverTrap() {
        var rng = SeededGenerator.fromEnvironment("KadMessage")
        let seeds = (try? Self.vectors().map(\.message)) ?? []
        for i in 0..<5000 {
            var bytes = rng.bytes(maxCount: 200)
            if i % 2 == 0, let seed = seeds.randomElement(using: &rng), !seed.isEmpty {
                // Mutate a valid message so deeper paths are reached.
                bytes = seed
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            if let message = try? KadMessage(bytes: bytes) {
                #expect((try? KadMessage(bytes: message.bytes)) == message, "seed \(rng.seed)")
            }
        }
    }
}
