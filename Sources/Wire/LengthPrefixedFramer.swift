/// Incremental decoder for uvarint-length-prefixed frames: `uvarint(len) || payload`.
///
/// Used by every libp2p protocol that frames messages this way (multistream-select, identify, Kademlia, relay,
/// rendezvous, AutoNAT), each with its own ``maxFrameSize``. Feed bytes with ``append(_:)`` as they arrive, then call
/// ``nextFrame()`` until it returns `nil`. The declared length is checked against ``maxFrameSize`` as soon as the
/// varint is complete, before any payload is buffered for it, so a hostile prefix never grows the buffer beyond what
/// the caller appended. Bytes behind the last frame the caller wanted stay available through ``takeRemaining()``.
public struct LengthPrefixedFramer: Sendable {
    /// The largest payload length accepted, in bytes (the varint itself not included).
    public let maxFrameSize: Int

    private var buffer: [UInt8] = []
    /// Index of the first unconsumed byte in `buffer`.
    private var start = 0

    /// Creates a framer that rejects frames whose declared length exceeds `maxFrameSize` (negative means 0).
    public init(maxFrameSize: Int) {
        self.maxFrameSize = max(0, maxFrameSize)
    }

    /// The number of bytes appended and not yet returned as a frame or taken.
    public var bufferedByteCount: Int { buffer.count - start }

    /// Appends received bytes.
    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if start > 0 && (start == buffer.count || start >= 4096) {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Returns the next complete frame's payload, or `nil` when more bytes are needed.
    ///
    /// - Throws: ``WireError/nonMinimalVarint`` or ``WireError/varintTooLong`` for a bad prefix,
    ///   ``WireError/lengthTooLarge(limit:)`` when the declared length exceeds ``maxFrameSize``. After an error the
    ///   framer's contents are unspecified; the stream should be reset.
    public mutating func nextFrame() throws(WireError) -> [UInt8]? {
        let unread = buffer[start...]
        let length: UInt64
        let prefixLength: Int
        do throws(WireError) {
            (length, prefixLength) = try UVarint.decode(prefixOf: unread)
        } catch {
            if error == .truncated { return nil }
            throw error
        }
        guard length <= UInt64(maxFrameSize) else { throw .lengthTooLarge(limit: maxFrameSize) }
        let payloadLength = Int(length)  // ≤ maxFrameSize, fits
        guard unread.count - prefixLength >= payloadLength else { return nil }
        let payloadStart = start + prefixLength
        let frame = Array(buffer[payloadStart..<(payloadStart + payloadLength)])
        start = payloadStart + payloadLength
        return frame
    }

    /// Removes and returns every buffered byte not yet returned as a frame (e.g. the bytes behind a negotiation that
    /// belong to the next protocol).
    public mutating func takeRemaining() -> [UInt8] {
        let rest = Array(buffer[start...])
        buffer = []
        start = 0
        return rest
    }

    /// Returns `uvarint(payload.count) || payload`.
    public static func frame<C: Collection>(_ payload: C) -> [UInt8] where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(UVarint.encodedLength(UInt64(payload.count)) + payload.count)
        append(frame: payload, to: &out)
        return out
    }

    /// Appends `uvarint(payload.count) || payload` to `bytes`.
    public static func append<C: Collection>(frame payload: C, to bytes: inout [UInt8]) where C.Element == UInt8 {
        UVarint.append(UInt64(payload.count), to: &bytes)
        bytes.append(contentsOf: payload)
    }
}
