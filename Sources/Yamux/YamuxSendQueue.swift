/// A stream's bytes waiting for the peer's window: a list of chunks filled up to their capacity and never grown,
/// so neither appending nor taking bytes out ever moves what is queued (one copy in, one copy out).
struct YamuxSendQueue {
    /// The largest chunk allocated; a write smaller than that gets a chunk of its size (at least 4 KiB).
    static let chunkSize = 64 * 1024

    private var chunks: [[UInt8]] = []
    private var head = 0
    private var offset = 0
    /// Bytes queued.
    private(set) var count = 0

    mutating func append(_ bytes: ArraySlice<UInt8>) {
        var rest = bytes
        count += rest.count
        if chunks.count > head, let last = chunks.indices.last, chunks[last].count < chunks[last].capacity {
            let n = min(chunks[last].capacity - chunks[last].count, rest.count)
            chunks[last].append(contentsOf: rest.prefix(n))
            rest = rest.dropFirst(n)
        }
        while !rest.isEmpty {
            var chunk: [UInt8] = []
            chunk.reserveCapacity(min(Self.chunkSize, max(4096, rest.count)))
            let n = min(chunk.capacity, rest.count)
            chunk.append(contentsOf: rest.prefix(n))
            rest = rest.dropFirst(n)
            chunks.append(chunk)
        }
    }

    /// Appends the first `n` queued bytes (at most ``count``) to `output` and drops them.
    mutating func move(_ n: Int, into output: inout [UInt8]) {
        var remaining = min(n, count)
        count -= remaining
        while remaining > 0 {
            let take = min(chunks[head].count - offset, remaining)
            output.append(contentsOf: chunks[head][offset..<(offset + take)])
            offset += take
            remaining -= take
            if offset == chunks[head].count {
                chunks[head] = []
                head += 1
                offset = 0
            }
        }
        if head == chunks.count {
            chunks.removeAll(keepingCapacity: chunks.capacity <= 64)
            head = 0
        } else if head > 16 && head * 2 > chunks.count {
            chunks.removeFirst(head)  // moves chunk headers, not bytes
            head = 0
        }
    }
}
