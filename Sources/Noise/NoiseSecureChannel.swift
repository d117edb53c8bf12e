/// The libp2p Noise transport after the handshake: 2-byte big-endian length-prefixed frames, each one
/// ChaChaPoly message of at most 65535 bytes (at most 65519 bytes of plaintext).
public struct NoiseSecureChannel: Sendable {
    /// The largest frame body (a Noise message).
    public static let maxFrameLength = 65535
    /// The most plaintext sealed into one frame (go's `MaxPlaintextLength`).
    public static let maxPlaintextPerFrame = maxFrameLength - 16

    private var sender: NoiseCipherState
    private var receiver: NoiseCipherState

    /// A channel from the cipher states of ``NoiseHandshake/split()``.
    public init(send: NoiseCipherState, receive: NoiseCipherState) {
        self.sender = send
        self.receiver = receive
    }

    /// Seals `plaintext` into as many frames as needed (none for empty input), length prefixes included.
    /// - Throws: ``NoiseError/nonceExhausted``.
    public mutating func seal(_ plaintext: [UInt8]) throws(NoiseError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(plaintext.count + (plaintext.count / Self.maxPlaintextPerFrame + 1) * 18)
        var start = plaintext.startIndex
        while start < plaintext.endIndex {
            let end = min(start + Self.maxPlaintextPerFrame, plaintext.endIndex)
            let body = try sender.encrypt(associatedData: [], plaintext: Array(plaintext[start..<end]))
            NoiseFrameDecoder.appendFrame(body, to: &out)
            start = end
        }
        return out
    }

    /// Opens one frame body (without its length prefix).
    /// - Throws: ``NoiseError/decryptionFailed``, ``NoiseError/nonceExhausted``.
    public mutating func open(frame body: [UInt8]) throws(NoiseError) -> [UInt8] {
        try receiver.decrypt(associatedData: [], ciphertext: body)
    }
}

/// Splits a byte stream into 2-byte big-endian length-prefixed frames. Holds at most one partial frame
/// (≤ 65537 bytes) between calls once every complete frame has been taken.
struct NoiseFrameDecoder: Sendable {
    private var buffer: [UInt8] = []
    private var offset = 0

    /// Bytes held that do not yet form a complete frame (or frames not taken yet).
    var bufferedCount: Int { buffer.count - offset }

    mutating func append(_ bytes: [UInt8]) {
        if offset > 0 {
            buffer.removeFirst(offset)
            offset = 0
        }
        buffer += bytes
    }

    /// The next complete frame body, or `nil` if more bytes are needed.
    mutating func next() -> [UInt8]? {
        guard buffer.count - offset >= 2 else { return nil }
        let length = Int(buffer[offset]) << 8 | Int(buffer[offset + 1])
        guard buffer.count - offset - 2 >= length else { return nil }
        let body = Array(buffer[(offset + 2)..<(offset + 2 + length)])
        offset += 2 + length
        if offset == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            offset = 0
        }
        return body
    }

    mutating func reset() {
        buffer = []
        offset = 0
    }

    /// Appends `uint16_be(body.count) || body`; `body` must be at most 65535 bytes.
    static func appendFrame(_ body: [UInt8], to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: body.count >> 8))
        out.append(UInt8(truncatingIfNeeded: body.count))
        out += body
    }
}
