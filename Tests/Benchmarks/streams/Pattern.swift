import Glibc

/// The bytes the dialer sends, checked on receipt with memcmp: stream `s` carries, chunk after chunk, the blocks
/// `(s + c) % blockCount` (c = 0, 1, ...), and block `k` holds `(p + 89 k) % 251` at position `p`. A lost,
/// repeated or reordered piece (anything but whole runs of `blockCount` chunks) or bytes of another stream fail the
/// check. Whole chunks are written as the block arrays themselves (no copy, no allocation in the driver).
struct Pattern {
    static let blockCount = 7
    let chunk: Int
    private let blocks: [[UInt8]]

    init(chunk: Int) {
        self.chunk = chunk
        blocks = (0..<Self.blockCount).map { k in (0..<chunk).map { p in UInt8((p + 89 * k) % 251) } }
    }

    /// `count` bytes of stream `stream` from `offset`, not crossing a chunk boundary.
    func piece(stream: Int, offset: Int, count: Int) -> [UInt8] {
        let block = blocks[(offset / chunk + stream) % Self.blockCount]
        let start = offset % chunk
        if start == 0 && count == chunk { return block }
        return Array(block[start..<(start + count)])
    }

    /// Whether `data` is what stream `stream` carries at `offset`.
    func matches(_ data: UnsafeRawBufferPointer, stream: Int, offset: Int) -> Bool {
        guard let base = data.baseAddress else { return data.isEmpty }
        var done = 0
        while done < data.count {
            let position = offset + done
            let start = position % chunk
            let n = min(chunk - start, data.count - done)
            let same = blocks[(position / chunk + stream) % Self.blockCount].withUnsafeBytes {
                memcmp($0.baseAddress! + start, base + done, n) == 0
            }
            guard same else { return false }
            done += n
        }
        return true
    }
}
