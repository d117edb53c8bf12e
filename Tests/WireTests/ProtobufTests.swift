import TestSupport
import Testing

@testable import Wire

@Suite struct ProtobufTests {
    @Test func writesAndReadsEveryWireType() throws {
        var w = ProtobufWriter()
        w.writeVarint(field: 1, 0)
        w.writeBytes(field: 2, [0xAA, 0xBB])
        w.writeString(field: 3, "hi")
        w.writeFixed32(field: 4, 0x0102_0304)
        w.writeFixed64(field: 5, 0x0102_0304_0506_0708)
        w.writeBool(field: 6, true)
        w.writeVarint(field: 1000, .max)
        #expect(Hex.encode(w.bytes.prefix(11)) == "08001202aabb1a02686925")
        var r = try ProtobufReader(w.bytes, maxMessageSize: 1024)
        let fields = try r.readAll()
        #expect(fields.map(\.number) == [1, 2, 3, 4, 5, 6, 1000])
        #expect(try fields[0].varint() == 0)
        #expect(try fields[1].bytes() == [0xAA, 0xBB])
        #expect(try fields[2].string() == "hi")
        #expect(try fields[3].fixed32() == 0x0102_0304)
        #expect(try fields[4].fixed64() == 0x0102_0304_0506_0708)
        #expect(try fields[5].bool())
        #expect(try fields[6].varint() == .max)
        #expect(throws: WireError.unexpectedWireType(field: 1)) { try fields[0].bytes() }
    }

    @Test(arguments: [
        ("0b", WireError.unsupportedWireType(3)), ("0c", .unsupportedWireType(4)),
        ("0e", .unsupportedWireType(6)), ("0f", .unsupportedWireType(7)),
        ("00", .invalidFieldNumber), ("808080801000", .invalidFieldNumber),
        ("1203aabb", .truncated), ("12", .truncated), ("08", .truncated), ("0d0102", .truncated),
        ("12ffffffffffffffffff01", .truncated), ("1a02ff00", .invalidUTF8),
    ])
    func rejectsMalformed(hex: String, error: WireError) throws {
        let bytes = try Hex.decode(hex)
        #expect(throws: error) {
            var r = try ProtobufReader(bytes, maxMessageSize: 64)
            for field in try r.readAll() where field.number == 3 { _ = try field.string() }
        }
    }

    @Test func enforcesMaxMessageSize() {
        #expect(throws: WireError.inputTooLarge(limit: 2)) { try ProtobufReader([8, 1, 8], maxMessageSize: 2) }
    }

    @Test func randomBytesNeverTrap() {
        var rng = SeededGenerator.fromEnvironment("ProtobufReader")
        for _ in 0..<5_000 {
            guard var r = try? ProtobufReader(rng.bytes(maxCount: 40), maxMessageSize: 32) else { continue }
            _ = try? r.readAll()
        }
    }
}
