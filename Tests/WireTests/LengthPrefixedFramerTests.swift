import TestSupport
import Testing

@testable import Wire

@Suite struct LengthPrefixedFramerTests {
    @Test func framesRoundTripAndKeepTheRest() throws {
        var bytes = LengthPrefixedFramer.frame([1, 2, 3])
        LengthPrefixedFramer.append(frame: [], to: &bytes)
        LengthPrefixedFramer.append(frame: [UInt8](repeating: 7, count: 200), to: &bytes)
        bytes += [0xAA, 0xBB]
        #expect(Array(bytes.prefix(5)) == [3, 1, 2, 3, 0])
        var framer = LengthPrefixedFramer(maxFrameSize: 200)
        framer.append(bytes)
        #expect(try framer.nextFrame() == [1, 2, 3])
        #expect(try framer.nextFrame() == [])
        #expect(try framer.nextFrame() == [UInt8](repeating: 7, count: 200))
        #expect(try framer.nextFrame() == nil)
        #expect(framer.bufferedByteCount == 2)
        #expect(framer.takeRemaining() == [0xAA, 0xBB])
        #expect(framer.bufferedByteCount == 0)
    }

    @Test func dripFeedGivesTheSameFrames() throws {
        var bytes: [UInt8] = []
        let payloads: [[UInt8]] = [[9], [], Array(0..<130), [1, 2]]
        for payload in payloads { LengthPrefixedFramer.append(frame: payload, to: &bytes) }
        var framer = LengthPrefixedFramer(maxFrameSize: 1000)
        var frames: [[UInt8]] = []
        for byte in bytes {
            framer.append([byte])
            while let frame = try framer.nextFrame() { frames.append(frame) }
        }
        #expect(frames == payloads)
        #expect(framer.bufferedByteCount == 0)
    }

    @Test func randomSplitsGiveTheSameFrames() throws {
        var rng = SeededGenerator.fromEnvironment("LengthPrefixedFramer.randomSplits")
        for _ in 0..<200 {
            let payloads = (0..<Int.random(in: 0...8, using: &rng)).map { _ in rng.bytes(maxCount: 300) }
            var bytes: [UInt8] = []
            for payload in payloads { LengthPrefixedFramer.append(frame: payload, to: &bytes) }
            var framer = LengthPrefixedFramer(maxFrameSize: 300)
            var frames: [[UInt8]] = []
            var index = 0
            while index < bytes.count {
                let end = min(bytes.count, index + Int.random(in: 1...64, using: &rng))
                framer.append(bytes[index..<end])
                index = end
                while let frame = try framer.nextFrame() { frames.append(frame) }
            }
            #expect(frames == payloads, "seed \(rng.seed)")
        }
    }

    @Test func oversizedLengthIsRejectedBeforeThePayloadArrives() throws {
        var framer = LengthPrefixedFramer(maxFrameSize: 1024)
        framer.append(UVarint.encode(1025))
        #expect(throws: WireError.lengthTooLarge(limit: 1024)) { try framer.nextFrame() }
        var exact = LengthPrefixedFramer(maxFrameSize: 1024)
        exact.append(UVarint.encode(1024))
        #expect(try exact.nextFrame() == nil)
        var huge = LengthPrefixedFramer(maxFrameSize: 1024)
        huge.append(UVarint.encode(UVarint.maxValue))
        #expect(throws: WireError.lengthTooLarge(limit: 1024)) { try huge.nextFrame() }
    }

    @Test(arguments: [
        ([UInt8]([0x81, 0x00]), WireError.nonMinimalVarint),
        ([UInt8](repeating: 0x80, count: 9), .varintTooLong),
        ([UInt8](repeating: 0xFF, count: 12), .varintTooLong),
    ])
    func invalidPrefixesAreRejected(bytes: [UInt8], error: WireError) {
        var framer = LengthPrefixedFramer(maxFrameSize: 1 << 20)
        framer.append(bytes)
        #expect(throws: error) { try framer.nextFrame() }
    }

    @Test func incompletePrefixWaits() throws {
        var framer = LengthPrefixedFramer(maxFrameSize: 1 << 20)
        framer.append([UInt8](repeating: 0x80, count: 8))
        #expect(try framer.nextFrame() == nil)
    }

    @Test func negativeLimitMeansEmptyFramesOnly() throws {
        var framer = LengthPrefixedFramer(maxFrameSize: -5)
        framer.append([0, 1, 0])
        #expect(try framer.nextFrame() == [])
        #expect(throws: WireError.lengthTooLarge(limit: 0)) { try framer.nextFrame() }
    }

    @Test func compactionKeepsUnreadBytes() throws {
        // 300 frames of 41 bytes fed so that one byte of the next frame is always buffered: the consumed prefix
        // grows past the compaction threshold while unread bytes remain.
        let payloads = (0..<300).map { [UInt8](repeating: UInt8(truncatingIfNeeded: $0), count: 40) }
        var bytes: [UInt8] = []
        for payload in payloads { LengthPrefixedFramer.append(frame: payload, to: &bytes) }
        var framer = LengthPrefixedFramer(maxFrameSize: 100)
        var frames: [[UInt8]] = []
        framer.append(bytes.prefix(1))
        var index = 1
        while index < bytes.count {
            let end = min(bytes.count, index + 41)
            framer.append(bytes[index..<end])
            index = end
            while let frame = try framer.nextFrame() { frames.append(frame) }
        }
        #expect(frames == payloads)
        #expect(framer.bufferedByteCount == 0)
    }

    @Test func randomBytesNeverTrap() {
        var rng = SeededGenerator.fromEnvironment("LengthPrefixedFramer.randomBytes")
        for _ in 0..<2000 {
            var framer = LengthPrefixedFramer(maxFrameSize: Int.random(in: 0...300, using: &rng))
            let bytes = rng.bytes(maxCount: 400)
            framer.append(bytes)
            var consumed = 0
            while true {
                guard let frame = try? framer.nextFrame() else { break }
                #expect(frame.count <= framer.maxFrameSize)
                consumed += frame.count
            }
            #expect(consumed + framer.bufferedByteCount <= bytes.count)
        }
    }
}
