/// Why a TCP byte stream is not STUN; the connection should be closed.
public enum STUNFramingError: Error, Sendable, Hashable {
    /// Top two bits set or length not a multiple of 4: not a STUN header.
    case badHeader
    /// The announced message exceeds `maxMessageBytes`.
    case tooLarge
}

/// RFC 8489 §6.2.2 framing over TCP: messages back to back, each a 20-byte header plus its length field. Several
/// messages may arrive in one segment and one message across several. Pure; the buffer holds at most the bytes
/// appended and not yet returned.
public struct STUNTCPFramer: Sendable {
    public let maxMessageBytes: Int
    private var buffer: [UInt8] = []
    private var start = 0

    public init(maxMessageBytes: Int) {
        self.maxMessageBytes = max(maxMessageBytes, STUN.headerLength)
    }

    /// Bytes received and not yet returned as a message.
    public var bufferedCount: Int { buffer.count - start }

    /// Adds received bytes.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compactIfNeeded()
        buffer.append(contentsOf: bytes)
    }

    /// Adds received bytes.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        compactIfNeeded()
        buffer.append(contentsOf: bytes)
    }

    /// The next complete message, nil when more bytes are needed. Call until nil after each `append`.
    /// - Throws: ``STUNFramingError`` as soon as a header is bad; the stream cannot be resynchronised.
    public mutating func next() throws(STUNFramingError) -> [UInt8]? {
        let available = buffer.count - start
        guard available >= 4 else {
            if available >= 1 && buffer[start] & 0xC0 != 0 { throw .badHeader }
            return nil
        }
        guard buffer[start] & 0xC0 == 0 else { throw .badHeader }
        let length = Int(buffer[start + 2]) << 8 | Int(buffer[start + 3])
        guard length & 3 == 0 else { throw .badHeader }
        let total = STUN.headerLength + length
        guard total <= maxMessageBytes else { throw .tooLarge }
        guard available >= total else { return nil }
        let message = Array(buffer[start..<(start + total)])
        start += total
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        return message
    }

    private mutating func compactIfNeeded() {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
    }
}
