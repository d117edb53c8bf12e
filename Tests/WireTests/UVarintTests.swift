import Testing

@testable import Wire

@Suite struct UVarintTests {
    @Test(arguments: [
        (UInt64(0), "00"), (1, "01"), (127, "7f"), (128, "8001"), (255, "ff01"), (300, "ac02"),
        (16384, "808001"), (4_294_967_295, "ffffffff0f"), (UVarint.maxValue, "ffffffffffffffff7f"),
    ])
    func roundTrip(value: UInt64, hex: String) throws {
        #expect(Hex.encode(UVarint.encode(value)) == hex)
        #expect(try UVarint.decode(exactly: Hex.decode(hex)) == value)
        #expect(UVarint.encodedLength(value) == hex.count / 2)
    }

    @Test(arguments: [
        ("", WireError.truncated), ("80", .truncated), ("ff80", .truncated), ("8100", .nonMinimalVarint),
        ("80808080808080808001", .varintTooLong), ("ffffffffffffffffff01", .varintTooLong),
    ])
    func rejects(hex: String, error: WireError) throws {
        let bytes = try Hex.decode(hex)
        #expect(throws: error) { try UVarint.decode(prefixOf: bytes) }
    }

    @Test func prefixDecodeReportsLength() throws {
        let (value, length) = try UVarint.decode(prefixOf: [0xAC, 0x02, 0xFF])
        #expect(value == 300 && length == 2)
        #expect(throws: WireError.trailingBytes) { try UVarint.decode(exactly: [0x01, 0x00]) }
    }

    @Test func largeValuesEncodeInTenBytes() {
        #expect(UVarint.encode(.max).count == 10)
        #expect(throws: WireError.varintTooLong) { try UVarint.decode(prefixOf: UVarint.encode(.max)) }
    }
}
