import Foundation
import TestSupport
import Testing
import Wire
import Yamux

struct YamuxVectors: Decodable {
    struct Frame: Decodable {
        let name: String
        let version: UInt8
        let type: UInt8
        let flags: UInt16
        let stream_id: UInt32
        let length: UInt32
        let header_hex: String
        let body_hex: String
        let frame_hex: String
    }
    let frames: [Frame]

    static func load() throws -> [Frame] {
        try VectorFile.decode(YamuxVectors.self, named: "yamux_frames", in: .module).frames
    }
}

@Suite struct YamuxVectorTests {
    @Test func thirteenVectorsLoaded() throws {
        #expect(try YamuxVectors.load().count == 13)
    }

    @Test func everyVectorDecodesAndEncodesByteExact() throws {
        for v in try YamuxVectors.load() {
            let frame = try Hex.decode(v.frame_hex)
            let header = try YamuxHeader.decode(frame)
            #expect(header.type.rawValue == v.type, "\(v.name)")
            #expect(header.flags.rawValue == v.flags, "\(v.name)")
            #expect(header.streamID == v.stream_id, "\(v.name)")
            #expect(header.length == v.length, "\(v.name)")
            #expect(v.version == 0)
            let type = try #require(YamuxFrameType(rawValue: v.type))
            let built = YamuxHeader(
                type: type, flags: YamuxFlags(rawValue: v.flags), streamID: v.stream_id, length: v.length)
            #expect(built.encoded == (try Hex.decode(v.header_hex)), "\(v.name)")
            #expect(built.encoded + (try Hex.decode(v.body_hex)) == frame, "\(v.name)")
        }
    }

    @Test func badVersionTypeAndTruncationAreErrors() {
        #expect(throws: YamuxError.unsupportedVersion(1)) {
            try YamuxHeader.decode([1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0])
        }
        #expect(throws: YamuxError.unknownFrameType(4)) {
            try YamuxHeader.decode([0, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0])
        }
        #expect(throws: YamuxError.truncatedHeader) { try YamuxHeader.decode([0, 1, 0]) }
    }

    /// The session emits the vectors' exact bytes for open, accept, data, FIN, RST with a code, ping and GoAway.
    @Test func sessionProducesVectorBytes() throws {
        let hex = Dictionary(uniqueKeysWithValues: try YamuxVectors.load().map { ($0.name, $0.frame_hex) })
        func bytes(_ prefix: String) throws -> [UInt8] {
            try Hex.decode(try #require(hex.first { $0.key.hasPrefix(prefix) }?.value))
        }
        var client = YamuxSession(role: .client)
        var server = YamuxSession(role: .server)
        let id = try client.openStream()
        #expect(client.pendingOutput() == (try bytes("open stream 1")))
        #expect(server.receive(try bytes("open stream 1"), now: 0) == [.streamOpened(1)])
        #expect(server.pendingOutput() == (try bytes("accept stream 1")))
        try client.write(id, Array("\u{13}/multistream/1.0.0\n".utf8))
        #expect(client.pendingOutput() == (try bytes("data on stream 1")))
        try client.close(id)
        #expect(client.pendingOutput() == (try bytes("half-close stream 1 (FIN on window update)")))
        #expect(try client.ping(now: 0) == 1)
        _ = client.pendingOutput()
        #expect(server.receive(try bytes("ping request"), now: 0) == [])
        #expect(server.pendingOutput() == (try bytes("ping response")))
        server.goAway()
        #expect(server.pendingOutput() == (try bytes("go away, normal")))

        var c2 = YamuxSession(role: .client)
        #expect(
            c2.receive(try bytes("open stream 2"), now: 0) == [.streamOpened(2), .data(2, ArraySlice("hello".utf8))])
        #expect(try c2.openStream() == 1)
        #expect(try c2.openStream() == 3)
        _ = c2.pendingOutput()
        try c2.reset(3, code: 0x1006)
        #expect(c2.pendingOutput() == (try bytes("reset stream 3")))
    }

    @Test func rstLengthIsAnErrorCodeNotAWindowDelta() throws {
        var server = YamuxSession(role: .server)
        _ = server.receive([0, 1, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0], now: 0)
        let rst = try Hex.decode("000100080000000300001006")
        #expect(server.receive(rst, now: 0) == [.streamReset(3, code: 0x1006)])
        #expect(server.streamCount == 0)
    }

    @Test func goAwayCodesIncludingGoLibp2pOnesAreReported() throws {
        for (hex, code) in [
            ("000300000000000000000001", YamuxGoAwayCode.protocolError),
            ("000300000000000000001005", .goGarbageCollected),
            ("000300000000000000000002", .internalError),
            ("00030000000000000000beef", YamuxGoAwayCode(rawValue: 0xbeef)),
        ] {
            var client = YamuxSession(role: .client)
            #expect(client.receive(try Hex.decode(hex), now: 0) == [.goAway(code)])
            #expect(throws: YamuxError.goAwayReceived) { try client.openStream() }
        }
        #expect(YamuxGoAwayCode.goGarbageCollected.isGoLibp2pCode)
    }
}
