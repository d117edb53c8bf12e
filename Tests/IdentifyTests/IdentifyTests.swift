import Foundation
import Identify
import TestSupport
import Testing
import Wire

@Suite struct IdentifyMessageTests {
    static func vector() throws -> (message: [UInt8], framed: [UInt8], decoded: [String: Any]) {
        let url = try #require(
            Bundle.module.url(forResource: "protobuf_messages", withExtension: "json", subdirectory: "Vectors"))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let messages = try #require(root["messages"] as? [[String: Any]])
        let entry = try #require(messages.first { ($0["protocol"] as? String) == "/ipfs/id/1.0.0" })
        let message = try #require(Hex.decode(try #require(entry["message_hex"] as? String)))
        let framed = try #require(Hex.decode(try #require(entry["framed_hex"] as? String)))
        return (message, framed, try #require(entry["decoded"] as? [String: Any]))
    }

    /// The spec vector decodes to its documented fields and re-encodes byte-exact, framed and unframed.
    @Test func vectorRoundTrips() throws {
        let (bytes, framed, decoded) = try Self.vector()
        let message = try IdentifyMessage(bytes: bytes)
        #expect(message.protocolVersion == decoded["protocol_version"] as? String)
        #expect(message.agentVersion == decoded["agent_version"] as? String)
        #expect(message.protocols == decoded["protocols"] as? [String])
        #expect(message.listenAddrs.count == 2)
        #expect(message.publicKey.map(Hex.encode) == (decoded["public_key"] as? String).map { String($0.dropFirst(4)) })
        #expect(message.observedAddr == [0x04, 198, 51, 100, 7, 0x06, 0xcf, 0xdb])
        #expect(message.signedPeerRecord?.isEmpty == false)
        #expect(message.bytes == bytes)
        var prefixed: [UInt8] = []
        prefixed.appendUVarint(UInt64(bytes.count))
        #expect(prefixed + message.bytes == framed)
    }

    @Test func limitsAreErrors() throws {
        let (bytes, _, _) = try Self.vector()
        #expect(throws: IdentifyError.tooLarge(limit: 100)) {
            try IdentifyMessage(bytes: bytes, limits: IdentifyLimits(maxMessageBytes: 100))
        }
        #expect(throws: IdentifyError.tooManyProtocols) {
            try IdentifyMessage(bytes: bytes, limits: IdentifyLimits(maxProtocols: 3))
        }
        #expect(throws: IdentifyError.tooManyAddresses) {
            try IdentifyMessage(bytes: bytes, limits: IdentifyLimits(maxListenAddrs: 1))
        }
        #expect(throws: IdentifyError.self) { try IdentifyMessage(bytes: Array(bytes.dropLast(5))) }
    }

    @Test func mergeAppliesTheLaterParts() {
        var first = IdentifyMessage(agentVersion: "a/1", listenAddrs: [[1]], protocols: ["/x"])
        first.merge(IdentifyMessage(signedPeerRecord: [9]))
        #expect(first.agentVersion == "a/1" && first.listenAddrs == [[1]] && first.signedPeerRecord == [9])
        first.merge(IdentifyMessage(protocols: ["/y"]))
        #expect(first.protocols == ["/y"])
    }

    @Test func randomBytesNeverTrap() {
        var rng = SeededGenerator.fromEnvironment("IdentifyMessage")
        for _ in 0..<5000 {
            let bytes = rng.bytes(maxCount: 300)
            if let message = try? IdentifyMessage(bytes: bytes) {
                // Whatever decodes re-decodes to the same message.
                #expect((try? IdentifyMessage(bytes: message.bytes)) == message, "seed \(rng.seed)")
            }
        }
    }
}

@Suite struct PingResponderTests {
    @Test func echoesWholePingsInOrderAndHoldsPartialOnes() {
        var ping = PingResponder()
        let a = [UInt8](repeating: 1, count: 32)
        let b = [UInt8](repeating: 2, count: 32)
        #expect(ping.receive(a.prefix(10)).isEmpty)
        #expect(ping.pendingCount == 10)
        #expect(ping.receive(a.dropFirst(10) + b.prefix(5)) == a)
        #expect(ping.receive(b.dropFirst(5)) == b)
        #expect(ping.pendingCount == 0)
        // One byte at a time.
        var echoed: [UInt8] = []
        for byte in a + b { echoed += ping.receive([byte]) }
        #expect(echoed == a + b)
    }
}
