import Identify
import Multistream

/// What one Yamux stream of a ``Libp2pConnection`` is doing.
enum ConnectionStreamState {
    case negotiating(MultistreamListener)
    case ping(PingResponder)
    case push([UInt8])
    /// Our identify request: negotiating, then collecting the peer's message until its FIN.
    case askingIdentify(MultistreamDialer?, [UInt8])
    /// Our identify push: negotiating; the message follows the peer's confirmation, then FIN.
    case pushing(MultistreamDialer)
    /// An application stream we opened, waiting for the peer to accept its protocol.
    case appDialing(AppDialing)
    /// An application stream (either direction) whose bytes go to the caller; forgotten once both halves closed.
    case app(AppStream)
    case done
}

/// The caller's side of an application stream.
struct AppStream {
    var localClosed = false
    var remoteClosed = false
    /// Delivered bytes are not credited back to the peer while paused; `uncredited` are credited on resume.
    var paused = false
    var uncredited = 0
    /// Bytes written before the peer accepted the stream that Yamux's session-wide queue could not take yet; they go
    /// before anything else, and a local close waits for them.
    var held: [UInt8] = []

    /// Ends a pause; returns the bytes to credit.
    mutating func resume() -> Int {
        defer {
            paused = false
            uncredited = 0
        }
        return uncredited
    }
}

/// An application stream we opened, before the peer accepted `proto`: writes wait in `pending` (bounded by the
/// Yamux per-stream queue limit).
struct AppDialing {
    var dialer: MultistreamDialer
    let proto: String
    var pending: [UInt8] = []
    var app = AppStream()
}
