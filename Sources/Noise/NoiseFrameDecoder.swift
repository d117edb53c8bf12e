/// Splits a byte stream into 2-byte big-endian length-prefixed frames without copying the complete ones: a frame
/// that lies whole in the input is handed out where it lies. Only a partial trailing frame (at most 65537 bytes,
/// prefix included) is copied and carried to the next call, which completes it first.
struct NoiseFrameDecoder: Sendable {
    /// Where the next frame body lies.
    enum Frame: Equatable {
        /// In the input, at these offsets.
        case input(Range<Int>)
        /// In the carried buffer, behind its 2-byte prefix: take it with ``takeBuffered()``.
        case buffered
    }

    /// A partial frame, length prefix included; once complete, handed out as ``Frame/buffered``.
    private var partial: [UInt8] = []

    /// Bytes carried between calls.
    var bufferedCount: Int { partial.count }

    /// The next complete frame, consuming `bytes` from `offset` (advanced past it); `nil` once the input is used up,
    /// a partial trailing frame carried.
    mutating func next(in bytes: UnsafeRawBufferPointer, from offset: inout Int) -> Frame? {
        while !partial.isEmpty {
            var missing = 2 - partial.count
            if missing <= 0 {
                let total = 2 + (Int(partial[0]) << 8 | Int(partial[1]))
                // Room for exactly this frame, rather than doubling past 64 KiB while it trickles in.
                if partial.capacity < total { partial.reserveCapacity(total) }
                missing = total - partial.count
            }
            if missing == 0 { return .buffered }
            guard offset < bytes.count else { return nil }
            let take = min(missing, bytes.count - offset)
            partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + take)]))
            offset += take
        }
        let remaining = bytes.count - offset
        if remaining >= 2 {
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            if remaining - 2 >= length {
                let body = (offset + 2)..<(offset + 2 + length)
                offset = body.upperBound
                return .input(body)
            }
        }
        if remaining > 0 {
            partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            offset = bytes.count
        }
        return nil
    }

    /// The completed buffered frame, prefix included; the decoder carries nothing until ``recycle(_:)``.
    mutating func takeBuffered() -> [UInt8] {
        let frame = partial
        partial = []
        return frame
    }

    /// Gives a taken buffer back, emptied, so its storage is reused for the next partial frame.
    mutating func recycle(_ buffer: inout [UInt8]) {
        buffer.removeAll(keepingCapacity: true)
        if partial.isEmpty { swap(&partial, &buffer) }
    }

    mutating func reset() {
        partial = []
    }

    /// Appends `uint16_be(body.count) || body`; `body` must be at most 65535 bytes.
    static func appendFrame(_ body: [UInt8], to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: body.count >> 8))
        out.append(UInt8(truncatingIfNeeded: body.count))
        out += body
    }
}
