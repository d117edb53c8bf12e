/// The listener side of `/ipfs/ping/1.0.0`: echoes each complete 32-byte ping, in order; a partial ping waits for
/// the rest (at most 31 bytes are held). No framing, per the spec. The stream handler applies go's 10 s deadline
/// for a ping to arrive and the per-peer stream limit.
public struct PingResponder: Sendable {
    public static let payloadBytes = 32

    private var partial: [UInt8] = []

    public init() {}

    /// Bytes to write back for `bytes` received.
    public mutating func receive(_ bytes: some Collection<UInt8>) -> [UInt8] {
        partial.append(contentsOf: bytes)
        let complete = partial.count - partial.count % Self.payloadBytes
        guard complete > 0 else { return [] }
        let echo = Array(partial[0..<complete])
        partial.removeFirst(complete)
        return echo
    }

    /// Bytes of an incomplete ping held back.
    public var pendingCount: Int { partial.count }
}
