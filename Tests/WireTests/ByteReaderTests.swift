import TestSupport
import Testing

@testable import Wire

@Suite struct ByteReaderTests {
    @Test func readsIntegersAndBytes() throws {
        var w: [UInt8] = []
        w.append(7)
        w.appendUInt16BE(0x0102)
        w.appendUInt32BE(0x0304_0506)
        w.appendUInt64BE(0x0708_090A_0B0C_0D0E)
        w.appendUVarint(300)
        w.appendLengthPrefixed([9, 9, 9])
        w.appendUInt32LE(0xAABB_CCDD)
        #expect(Array(w[1...2]) == [1, 2])
        var r = ByteReader(w)
        #expect(try r.readUInt8() == 7)
        #expect(try r.readUInt16BE() == 0x0102)
        #expect(try r.readUInt32BE() == 0x0304_0506)
        #expect(try r.readUInt64BE() == 0x0708_090A_0B0C_0D0E)
        #expect(try r.readUVarint() == 300)
        #expect(try r.readLengthPrefixedBytes(maxLength: 3) == [9, 9, 9])
        #expect(try r.readUInt32LE() == 0xAABB_CCDD)
        #expect(r.isAtEnd && r.remaining == 0)
        #expect(throws: WireError.truncated) { try r.readUInt8() }
    }

    @Test func rejectsBadCountsWithoutMoving() throws {
        var r = ByteReader([1, 2, 3])
        #expect(throws: WireError.invalidCount) { try r.readBytes(-1) }
        #expect(throws: WireError.truncated) { try r.readBytes(4) }
        #expect(throws: WireError.truncated) { try r.readUInt32BE() }
        #expect(r.offset == 0)
        #expect(try r.readBytes(3) == [1, 2, 3])
        #expect(try r.readBytes(0) == [])
    }

    @Test func lengthPrefixLimits() {
        var r = ByteReader([0x05, 1, 2])
        #expect(throws: WireError.lengthTooLarge(limit: 4)) { try r.readLengthPrefixedBytes(maxLength: 4) }
        #expect(throws: WireError.truncated) { try r.readLengthPrefixedBytes(maxLength: 10) }
        #expect(r.offset == 0)
        var huge = ByteReader(UVarint.encode(UVarint.maxValue))
        #expect(throws: WireError.truncated) { try huge.readLengthPrefixedBytes(maxLength: .max) }
    }

    @Test func protobufVarintRules() throws {
        var r = ByteReader([0x81, 0x00])  // non-minimal is fine inside protobuf
        #expect(try r.readProtobufVarint() == 1)
        var max = ByteReader([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        #expect(try max.readProtobufVarint() == .max)
        var over = ByteReader([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02])
        #expect(throws: WireError.varintTooLong) { try over.readProtobufVarint() }
        var long = ByteReader([UInt8](repeating: 0x80, count: 10) + [0x00])
        #expect(throws: WireError.varintTooLong) { try long.readProtobufVarint() }
        var cut = ByteReader([0x80])
        #expect(throws: WireError.truncated) { try cut.readProtobufVarint() }
    }

    @Test func randomBytesNeverTrap() {
        var rng = SeededGenerator.fromEnvironment("ByteReader")
        for _ in 0..<5_000 {
            var r = ByteReader(rng.bytes(maxCount: 24))
            while !r.isAtEnd {
                switch Int.random(in: 0..<7, using: &rng) {
                case 0: _ = try? r.readUVarint()
                case 1: _ = try? r.readProtobufVarint()
                case 2: _ = try? r.readBytes(Int.random(in: -2...8, using: &rng))
                case 3: _ = try? r.readLengthPrefixedBytes(maxLength: 16)
                case 4: _ = try? r.readUInt32BE()
                case 5: _ = try? r.readUInt64LE()
                default: _ = try? r.readUInt8()
                }
                if Int.random(in: 0..<8, using: &rng) == 0 { break }
            }
            _ = try? UVarint.decode(prefixOf: rng.bytes(maxCount: 12))
        }
    }
}
