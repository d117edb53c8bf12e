/// Input splitting shared by the stateful harnesses: the first byte seeds the split, the rest is fed in chunks of
/// 1...`maxChunk` bytes whose sizes come from a small xorshift generator (so any split is reachable).
enum Chunks {
    static func split(_ bytes: [UInt8], maxChunk: Int) -> [[UInt8]] {
        guard let first = bytes.first else { return [] }
        var state = UInt32(first) &* 2_654_435_761 | 1
        var chunks: [[UInt8]] = []
        var offset = 1
        while offset < bytes.count {
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            let size = Int(state % UInt32(maxChunk)) + 1
            let end = min(offset + size, bytes.count)
            chunks.append(Array(bytes[offset..<end]))
            offset = end
        }
        return chunks
    }
}
