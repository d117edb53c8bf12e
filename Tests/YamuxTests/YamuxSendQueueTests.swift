import TestSupport
import Testing

@testable import Yamux

/// The chunked send queue against a plain array: random appends and takes (seeded) give the same bytes in order,
/// and the count follows.
@Suite struct YamuxSendQueueTests {
    @Test func randomAppendsAndMovesMatchAnArray() {
        var generator = SeededGenerator.fromEnvironment("send-queue")
        var queue = YamuxSendQueue()
        var reference: [UInt8] = []
        var taken: [UInt8] = []
        var expected: [UInt8] = []
        var next: UInt8 = 0
        for _ in 0..<2000 {
            if Bool.random(using: &generator) {
                let n = Int.random(in: 0...(3 * YamuxSendQueue.chunkSize / 2), using: &generator)
                let bytes: [UInt8] = (0..<n).map { _ in
                    next &+= 1
                    return next
                }
                queue.append(bytes[...])
                reference += bytes
            } else {
                let n = Int.random(in: 0...(YamuxSendQueue.chunkSize + 100), using: &generator)
                queue.move(n, into: &taken)
                let m = min(n, reference.count)
                expected += reference.prefix(m)
                reference.removeFirst(m)
            }
            #expect(queue.count == reference.count)
        }
        queue.move(queue.count, into: &taken)
        expected += reference
        #expect(queue.count == 0)
        let same = taken == expected
        #expect(same)
    }
}
