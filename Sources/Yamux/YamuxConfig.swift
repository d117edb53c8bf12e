/// Limits of one Yamux session, defaults from go-yamux / rust-yamux / the libp2p spec (libp2p-digest §7, §22).
public struct YamuxConfig: Sendable, Equatable {
    /// Every stream starts with this window in both directions (spec; not configurable).
    public static let initialStreamWindow: UInt32 = 256 * 1024

    /// Receive-window auto-tuning ceiling per stream (go-yamux `MaxStreamWindowSize`, 16 MiB).
    public var maxStreamWindow: UInt32 = 16 * 1024 * 1024
    /// Auto-tuning stops growing windows once the streams' receive windows add up to this (rust-yamux caps a
    /// connection at 1 GiB; 64 MiB suits a small VPS). Each stream always keeps at least its initial 256 KiB.
    public var maxSessionReceiveWindow: UInt32 = 64 * 1024 * 1024
    /// Concurrent streams per connection, both directions (rust-yamux kills connections above 512).
    /// An inbound SYN over the limit is refused with RST (go-yamux); `openStream` throws.
    public var maxStreams: Int = 512
    /// Outbound streams opened but not yet ACKed (libp2p spec ACK backlog, 256).
    public var maxAckBacklog: Int = 256
    /// Largest data frame body we send (go-yamux `MaxMessageSize`, 64 KiB).
    public var maxDataFrameSize: Int = 64 * 1024
    /// Bytes queued by `write` on one stream while the peer's window is closed.
    public var maxQueuedBytesPerStream: Int = 1024 * 1024
    /// Bytes queued by `write` over all streams.
    public var maxQueuedBytesTotal: Int = 16 * 1024 * 1024
    /// High-water mark of `pendingOutput`: data is moved out of stream queues only below it, and replies the peer
    /// provokes (ping ACKs, RSTs refusing streams) are dropped above it, so a peer that does not read cannot grow it.
    public var maxPendingOutputBytes: Int = 256 * 1024
    /// Pings we sent and still await.
    public var maxOutstandingPings: Int = 16
    /// Keepalive ping interval in nanoseconds (go-yamux 30 s); 0 disables keepalive.
    public var keepAliveInterval: UInt64 = 30_000_000_000
    /// An unanswered keepalive ping fails the session after this many nanoseconds (go-yamux write timeout 10 s).
    public var keepAliveTimeout: UInt64 = 10_000_000_000
    /// How far below the highest inbound stream ID a SYN may arrive (go opens streams from several goroutines, so
    /// SYNs can be reordered); IDs further below, or already seen, are rejected as reuse.
    public var streamIDReorderWindow: UInt32 = 512

    public init() {}
}
