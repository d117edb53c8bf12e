import TestSupport
import Testing
import Wire

@testable import Libp2pCore

@Suite struct MultiaddrTests {
    let peer = "12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV"
    let relay = "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC"

    @Test func protocolTableIsConsistent() {
        let all = MultiaddrProtocol.all
        #expect(Set(all.map(\.code)).count == all.count)
        #expect(Set(all.map(\.name)).count == all.count)
        for p in all {
            #expect(MultiaddrProtocol(code: p.code) == p)
            #expect(MultiaddrProtocol(name: p.name) == p)
        }
        #expect(MultiaddrProtocol(name: "ipfs") == .p2p)
        #expect(MultiaddrProtocol(code: 1) == nil)
    }

    @Test func helpers() throws {
        let addr = try Multiaddr("/ip4/192.0.2.42/tcp/4001/p2p/\(peer)")
        #expect(addr.ipAddress == [192, 0, 2, 42])
        #expect(addr.tcpPort == 4001)
        #expect(addr.udpPort == nil)
        #expect(addr.peerID == (try PeerID(string: peer)))
        #expect(addr.components.map(\.protocol.name) == ["ip4", "tcp", "p2p"])

        let (transport, id) = addr.decapsulateP2P()
        #expect(transport?.description == "/ip4/192.0.2.42/tcp/4001")
        #expect(id == addr.peerID)
        #expect(try transport?.appending(peerID: #require(id)) == addr)
        #expect(try Multiaddr("/p2p/\(peer)").decapsulateP2P().transport == nil)
        let bare = try Multiaddr("/ip6/::1/udp/443/quic-v1")
        #expect(bare.decapsulateP2P().transport == bare && bare.decapsulateP2P().peerID == nil)
        #expect(bare.ipAddress?.count == 16)
        #expect(bare.udpPort == 443 && bare.tcpPort == nil)

        let circuit = try Multiaddr("/p2p-circuit/p2p/\(relay)")
        let relayed = try addr.encapsulate(circuit)
        #expect(relayed.description == "/ip4/192.0.2.42/tcp/4001/p2p/\(peer)/p2p-circuit/p2p/\(relay)")
        #expect(relayed.peerID == (try PeerID(string: relay)))
        #expect(relayed.decapsulate(circuit) == addr)
        #expect(relayed.decapsulate(try Multiaddr("/p2p-circuit")) == addr)
        #expect(relayed.decapsulate(try Multiaddr("/ip4/192.0.2.42")) == nil)
        #expect(relayed.decapsulate(try Multiaddr("/ws")) == relayed)
        #expect(try Multiaddr("/dns4/example.com/tcp/443/wss").ipAddress == nil)
        #expect(try Multiaddr("/dns4/example.com/tcp/443/wss").tcpPort == 443)
    }

    @Test func canonicalText() throws {
        let cases: [(String, String)] = [
            ("/ip6/0:0:0:0:0:0:0:1", "/ip6/::1"),
            ("/ip6/2001:DB8:0:0:1:0:0:1", "/ip6/2001:db8::1:0:0:1"),
            ("/ip6/::ffff:192.0.2.1", "/ip6/::ffff:192.0.2.1"),
            ("/ip6/::", "/ip6/::"),
            ("/ip6/1::", "/ip6/1::"),
            ("/ip6/1:0:2:0:0:3:0:0", "/ip6/1:0:2::3:0:0"),
            ("/ip6/1:2:3:4:5:6:7:8", "/ip6/1:2:3:4:5:6:7:8"),
            ("/ip6/1:2:3:4:5:6:0:8", "/ip6/1:2:3:4:5:6:0:8"),
            ("/tcp/0080", "/tcp/80"),
            ("/ipfs/\(relay)/", "/p2p/\(relay)"),
            ("/p2p/bafzaajaiaejcalj543iwv2d7pkjt7ykvefrkfu7qjfi6sduakhso4lay6abn2d5u", "/p2p/\(peer)"),
            ("/http-path/a%20b%2Fc", "/http-path/a%20b%2Fc"),
            ("/unix/tmp/sock", "/unix/tmp/sock"),
        ]
        for (input, canonical) in cases {
            let a = try Multiaddr(input)
            #expect(a.description == canonical, "\(input)")
            #expect(try Multiaddr(bytes: a.bytes) == a)
        }
        for bad in [
            "/ip6/1:2:3:4:5:6:7:8:9", "/ip6/1::2::3", "/ip6/:1", "/ip6/1:", "/ip6/12345::", "/ip6/::g",
            "/ip6/1.2.3.4::", "/ip6/::1.2.3", "/ip4/01.2.3.4", "/ip4/1.2.3.4.5", "/ip4/256.1.1.1", "/tcp/+1",
            "/dns4/", "//ip4/1.2.3.4", "ip4/1.2.3.4", "/http-path/%zz", "/http-path/%2", "/onion3/x:1",
            "/certhash/zzz", "/p2p/zQmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
        ] {
            #expect(throws: MultiaddrError.self, "\(bad)") { try Multiaddr(bad) }
        }
        #expect(throws: MultiaddrError.unknownProtocolName("nope")) { try Multiaddr("/nope") }
        #expect(throws: MultiaddrError.missingValue(protocol: "tcp")) { try Multiaddr("/ip4/1.2.3.4/tcp") }
        #expect(throws: MultiaddrError.empty) { try Multiaddr("/") }
        #expect(throws: MultiaddrError.missingLeadingSlash) { try Multiaddr("ip4") }
    }

    @Test func binaryValidation() throws {
        #expect(throws: MultiaddrError.unknownProtocolCode(1)) { try Multiaddr(bytes: [1, 2, 3, 4]) }
        #expect(throws: MultiaddrError.malformedBytes(.truncated)) { try Multiaddr(bytes: [0x04, 1, 2, 3]) }
        #expect(throws: MultiaddrError.malformedBytes(.truncated)) { try Multiaddr(bytes: [0x35, 0x05, 0x61]) }
        #expect(throws: MultiaddrError.malformedBytes(.nonMinimalVarint)) { try Multiaddr(bytes: [0x84, 0x00]) }
        #expect(throws: MultiaddrError.invalidValue(protocol: "dns")) { try Multiaddr(bytes: [0x35, 0x00]) }
        #expect(throws: MultiaddrError.invalidValue(protocol: "dns")) { try Multiaddr(bytes: [0x35, 0x01, 0x2F]) }
        #expect(throws: MultiaddrError.invalidValue(protocol: "dns")) { try Multiaddr(bytes: [0x35, 0x01, 0xFF]) }
        #expect(throws: MultiaddrError.invalidValue(protocol: "unix")) {
            try Multiaddr(bytes: [0x90, 0x03, 0x01, 0x61])
        }
        #expect(throws: MultiaddrError.invalidValue(protocol: "p2p")) {
            try Multiaddr(bytes: [0xA5, 0x03, 0x03, 0x12, 0x01, 0x00])
        }
        #expect(throws: MultiaddrError.unsupportedProtocol("onion")) {
            try Multiaddr(bytes: [0xBC, 0x03] + [UInt8](repeating: 0x61, count: 12))
        }
        #expect(throws: MultiaddrError.invalidValue(protocol: "tcp")) { try Multiaddr.Component(.tcp, value: [1]) }
        #expect(throws: MultiaddrError.empty) { try Multiaddr(components: []) }
    }

    @Test func limitsAreCheckedBeforeWork() throws {
        #expect(throws: MultiaddrError.tooLong(limit: Multiaddr.maxLength)) {
            try Multiaddr(bytes: [UInt8](repeating: 0xDD, count: Multiaddr.maxLength + 1))
        }
        #expect(throws: MultiaddrError.tooManyComponents(limit: Multiaddr.maxComponents)) {
            try Multiaddr(bytes: [UInt8](repeating: 0x06, count: 3 * (Multiaddr.maxComponents + 1)))
        }
        #expect(throws: MultiaddrError.tooManyComponents(limit: Multiaddr.maxComponents)) {
            try Multiaddr(String(repeating: "/ws", count: Multiaddr.maxComponents + 1))
        }
        #expect(throws: MultiaddrError.tooLong(limit: Multiaddr.maxTextLength)) {
            try Multiaddr("/dns/" + String(repeating: "a", count: Multiaddr.maxTextLength))
        }
        #expect(throws: MultiaddrError.tooLong(limit: Multiaddr.maxLength)) {
            try Multiaddr("/dns/" + String(repeating: "a", count: Multiaddr.maxLength))
        }
        let many = try Multiaddr(String(repeating: "/ws", count: Multiaddr.maxComponents))
        #expect(throws: MultiaddrError.tooManyComponents(limit: Multiaddr.maxComponents)) {
            try many.encapsulate(try Multiaddr("/tls"))
        }
        // A long quoted name is cut.
        #expect(throws: MultiaddrError.unknownProtocolName(String(repeating: "x", count: 32))) {
            try Multiaddr("/" + String(repeating: "x", count: 500))
        }
    }

    @Test func randomBytesNeverTrap() throws {
        var rng = SeededGenerator.fromEnvironment("Multiaddr/bytes")
        let seeds = try [
            "/ip4/127.0.0.1/tcp/4001/p2p/\(peer)",
            "/ip6/::1/udp/1/quic-v1/webtransport/certhash/uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g",
            "/dns4/example.com/tcp/443/tls/sni/example.com/ws", "/ip4/1.2.3.4/tcp/80/http/http-path/a%2Fb",
        ].map { try Multiaddr($0).bytes }
        var decoded = 0
        for i in 0..<20_000 {
            var bytes: [UInt8]
            if i % 2 == 0 {
                bytes = rng.bytes(maxCount: 64)
            } else {
                // Mutate a valid address: flip, drop or insert a few bytes.
                bytes = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    let at = Int.random(in: 0..<bytes.count, using: &rng)
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: bytes[at] = UInt8.random(in: 0...255, using: &rng)
                    case 1: bytes.remove(at: at)
                    default: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: at)
                    }
                    if bytes.isEmpty { break }
                }
            }
            guard let addr = try? Multiaddr(bytes: bytes) else { continue }
            decoded += 1
            // Whatever decodes renders to text that parses back to the same bytes.
            let again = try Multiaddr(addr.description)
            #expect(again.bytes == bytes, "\(Hex.encode(bytes)) -> \(addr)")
            _ = (addr.ipAddress, addr.tcpPort, addr.peerID, addr.decapsulateP2P())
        }
        #expect(decoded > 0)
    }

    @Test func randomStringsNeverTrap() throws {
        var rng = SeededGenerator.fromEnvironment("Multiaddr/strings")
        let tokens = [
            "/", "/", "/", "ip4", "ip6", "tcp", "udp", "dns", "p2p", "ipfs", "p2p-circuit", "unix", "certhash",
            "http-path", "ip6zone", "memory", "onion", "1.2.3.4", "::", ":", "::1", "ffff", "80", "65536", "-1",
            "%2F", "%", "u", "z", "b", "k", "Qm", peer, relay, "uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g",
            "é", "\u{0}", ".", "0",
        ]
        for _ in 0..<20_000 {
            let n = Int.random(in: 0...10, using: &rng)
            let text = (0..<n).map { _ in tokens.randomElement(using: &rng)! }.joined()
            guard let addr = try? Multiaddr(text) else { continue }
            let back = try Multiaddr(bytes: addr.bytes)
            #expect(back == addr, "\(text)")
            #expect(try Multiaddr(addr.description) == addr, "\(text)")
        }
        for _ in 0..<5_000 {
            _ = try? Multiaddr(String(decoding: rng.bytes(maxCount: 64), as: UTF8.self))
        }
    }
}
