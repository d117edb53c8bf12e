import Testing
import Wire

@Suite struct CRC32Tests {
    @Test func knownValues() {
        #expect(CRC32.checksum([UInt8]()) == 0)
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }

    @Test func slicesAndBuffersAgree() {
        let bytes = Array("xx123456789yy".utf8)
        #expect(CRC32.checksum(bytes[2..<11]) == 0xCBF4_3926)
        let viaBuffer = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[2..<11])) }
        #expect(viaBuffer == 0xCBF4_3926)
    }
}
