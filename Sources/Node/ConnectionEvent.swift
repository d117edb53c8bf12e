import Identify
import Libp2pCore

/// What a connection reports.
public enum ConnectionEvent: Sendable, Equatable {
    /// Noise finished: the remote is this peer.
    case secured(PeerID)
    /// Yamux is running: the connection is usable.
    case upgraded(PeerID)
    /// An inbound stream negotiated this protocol (it counts as open until ``streamEnded(_:)``).
    case streamProtocol(String)
    /// An inbound stream of this protocol ended (FIN from the peer, reset, or refused after negotiation).
    case streamEnded(String)
    /// An inbound stream was refused: over ``ConnectionLimits/maxInboundStreamsPerProtocol`` for `protocol`, or
    /// (`protocol` nil) over the Yamux stream limit of the connection.
    case streamRefused(protocol: String?)
    /// The peer answered our identify request.
    case identified(PeerID, IdentifyMessage)
    /// The peer pushed its identify state.
    case identifyPushed(PeerID, IdentifyMessage)
    /// Our identify push was accepted and sent.
    case identifyPushSent(PeerID)
    /// An application stream is usable: an inbound one negotiated one of the `applicationProtocols`, or the peer
    /// accepted one we opened with ``Libp2pConnection/openStream(_:now:)``.
    case streamOpened(UInt32, protocol: String, inbound: Bool)
    /// Bytes on an application stream: a slice of the connection's receive buffer, valid to keep (copy-on-write).
    /// Unless the stream is paused (``Libp2pConnection/pauseReading(_:)``) they are credited back to the peer at once.
    case streamData(UInt32, ArraySlice<UInt8>)
    /// A stream that accepted fewer bytes than offered can take at least half its queue bound again.
    case streamWritable(UInt32)
    /// The peer finished its half of an application stream (FIN). The stream stays writable until
    /// ``Libp2pConnection/closeWrite(_:output:)`` or ``Libp2pConnection/resetStream(_:code:output:)``.
    case streamFinished(UInt32)
    /// The peer reset an application stream; `code` is go-yamux's RST error code (0 when none came). It is gone.
    case streamReset(UInt32, code: UInt32)
    /// A stream we opened did not open: the peer refused the protocol, reset or finished it first. It is gone.
    case streamOpenFailed(UInt32)
    /// An application stream is gone from the connection (both halves closed, reset either way, or failed to open),
    /// after all its other events: for the caller's bookkeeping (e.g. who owns the stream), not a new end.
    case streamClosed(UInt32)
    /// The connection failed (it closes).
    case failed(String)
}
