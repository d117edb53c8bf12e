import STUN
import TestSupport
import Testing

@Suite struct STUNTCPFramerTests {
    let messages: [[UInt8]] = [
        request(),
        request(attributes: [(.software, Array("hello".utf8))], fingerprint: true),
        request(attributes: [(.username, Array("user:name".utf8)), (.priority, [1, 2, 3, 4])]),
    ]

    func drain(_ framer: inout STUNTCPFramer) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        while let m = try framer.next() { out.append(m) }
        return out
    }

    @Test func wholeStreamInOneSegment() throws {
        var f = STUNTCPFramer(maxMessageBytes: 576)
        f.append(messages.flatMap { $0 })
        #expect(try drain(&f) == messages)
        #expect(f.bufferedCount == 0)
    }

    @Test func oneByteAtATime() throws {
        var f = STUNTCPFramer(maxMessageBytes: 576)
        var got: [[UInt8]] = []
        for b in messages.flatMap({ $0 }) {
            [b].withUnsafeBytes { f.append($0) }
            got += try drain(&f)
        }
        #expect(got == messages)
    }

    @Test func randomSplits() throws {
        var rng = SeededGenerator.fromEnvironment("STUNTCPFramer.randomSplits")
        let stream = (0..<20).flatMap { messages[$0 % messages.count] }
        for _ in 0..<200 {
            var f = STUNTCPFramer(maxMessageBytes: 576)
            var got: [[UInt8]] = []
            var i = 0
            while i < stream.count {
                let n = Int.random(in: 1...64, using: &rng)
                f.append(stream[i..<min(i + n, stream.count)])
                i += n
                got += try drain(&f)
            }
            #expect(got.count == 20)
            #expect(got.flatMap { $0 } == stream)
        }
    }

    @Test func badHeadersAreErrors() throws {
        var http = STUNTCPFramer(maxMessageBytes: 576)
        http.append(Array("GET / HTTP/1.1\r\n".utf8))
        #expect(throws: STUNFramingError.badHeader) { try http.next() }

        var firstByte = STUNTCPFramer(maxMessageBytes: 576)
        firstByte.append([0x80])
        #expect(throws: STUNFramingError.badHeader) { try firstByte.next() }

        var odd = STUNTCPFramer(maxMessageBytes: 576)
        odd.append([0, 1, 0, 5])
        #expect(throws: STUNFramingError.badHeader) { try odd.next() }

        var big = STUNTCPFramer(maxMessageBytes: 576)
        big.append([0, 1, 0x02, 0x40])  // 20 + 576 > 576
        #expect(throws: STUNFramingError.tooLarge) { try big.next() }

        // A good message followed by garbage: the message comes out, then the error.
        var mixed = STUNTCPFramer(maxMessageBytes: 576)
        mixed.append(messages[0] + [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(try mixed.next() == messages[0])
        #expect(throws: STUNFramingError.badHeader) { try mixed.next() }
    }

    @Test func framedMessagesAreAnsweredInOrder() throws {
        let server = STUNServer(config: STUNServerConfig())
        var f = STUNTCPFramer(maxMessageBytes: server.config.maxRequestBytes)
        f.append(messages.flatMap { $0 })
        var kinds: [STUNOutcome.ResponseKind] = []
        while let m = try f.next() {
            let r = try server.respond(m, transport: .tcp)
            #expect(r.message.xorMappedAddress() == clientV4)
            kinds.append(r.kind)
        }
        #expect(kinds == [.success, .success, .success])
    }
}
