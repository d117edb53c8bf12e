import Multistream
import Yamux

/// Application streams: what a service does with the streams of its protocol.
///
/// Receive side: each ``ConnectionEvent/streamData(_:_:)`` is credited back to the peer at once, unless the stream
/// is paused with ``pauseReading(_:)``; then the peer runs out of window after at most one window of further bytes,
/// while the connection's other streams keep flowing. ``resumeReading(_:now:output:)`` credits what arrived meanwhile.
///
/// Send side: ``write(_:_:output:)`` accepts what fits the stream's queue (``YamuxConfig/maxQueuedBytesPerStream``,
/// and the session's total) and says how much; it never resets a stream by itself. After a short write,
/// ``ConnectionEvent/streamWritable(_:)`` comes once the queue is at most half full again, or empty with the window
/// open: when the peer's window update let queued bytes out, or when the caller's socket drained
/// (``setTransportBlocked(_:output:)``). Bytes written before the peer accepted the stream go first, even when the
/// session's queues are full at that moment (``AppStream/held``).
extension Libp2pConnection {
    /// Opens an application stream proposing `proto`. Writes before the peer accepts are held (and count in
    /// ``bufferedBytes``); acceptance is ``ConnectionEvent/streamOpened(_:protocol:inbound:)`` with `inbound` false,
    /// refusal ``ConnectionEvent/streamOpenFailed(_:)``. Returns nil before the upgrade or over the stream limits.
    public mutating func openStream(_ proto: String, now: UInt64) -> (id: UInt32, output: Output)? {
        var out = Output()
        guard var muxed = takeMuxed() else { return nil }
        guard let id = try? muxed.yamux.openStream(now: now) else {
            restore(consume muxed)
            return nil
        }
        var dialer = MultistreamDialer(proposals: [proto])
        _ = try? muxed.yamux.write(id, dialer.start().toSend)
        streams[id] = .appDialing(AppDialing(dialer: dialer, proto: proto))
        restore(consume muxed)
        if !defersSealing { flushYamux(&out) }
        return (id, out)
    }

    /// Writes on an application stream. Returns nil when the stream is not open for writing (unknown, closed by us,
    /// or gone); otherwise how many of `bytes` were taken (a prefix; 0 when the queue is full). A short write is
    /// followed by ``ConnectionEvent/streamWritable(_:)``.
    public mutating func write(_ id: UInt32, _ bytes: ArraySlice<UInt8>, output out: inout Output) -> Int? {
        switch streams[id] {
        case .appDialing(var dialing) where !dialing.app.localClosed:
            let accepted = max(0, min(bytes.count, yamuxConfig.maxQueuedBytesPerStream - dialing.pending.count))
            streams[id] = nil  // unique `pending` while it grows
            dialing.pending += bytes.prefix(accepted)
            streams[id] = .appDialing(dialing)
            if accepted < bytes.count { blockedWriters.insert(id) }
            return accepted
        case .app(let app) where !app.localClosed:
            guard app.held.isEmpty else {
                blockedWriters.insert(id)  // what was written before the stream opened goes first
                return 0
            }
            guard var muxed = takeMuxed() else { return nil }
            let written: Int?
            do throws(YamuxError) {
                written = try muxed.yamux.write(id, bytes)
            } catch {
                written = nil  // the session ended
            }
            restore(consume muxed)
            guard let accepted = written else { return nil }
            if accepted < bytes.count { blockedWriters.insert(id) }
            if !defersSealing { flushYamux(&out) }
            return accepted
        default:
            return nil
        }
    }

    /// ``write(_:_:output:)`` for an array.
    public mutating func write(_ id: UInt32, _ bytes: [UInt8], output out: inout Output) -> Int? {
        write(id, bytes[...], output: &out)
    }

    /// Half-closes an application stream (FIN after what was written); the peer's half may still send.
    public mutating func closeWrite(_ id: UInt32, output out: inout Output) {
        blockedWriters.remove(id)
        switch streams[id] {
        case .appDialing(var dialing):
            dialing.app.localClosed = true
            streams[id] = .appDialing(dialing)
        case .app(var app) where !app.localClosed:
            guard var muxed = takeMuxed() else { return }
            if app.held.isEmpty { try? muxed.yamux.close(id) }  // else once the held bytes are in (`moveHeld`)
            restore(consume muxed)
            if app.remoteClosed && app.held.isEmpty {
                forget(id, &out)
            } else {
                app.localClosed = true
                streams[id] = .app(app)
            }
            if !defersSealing { flushYamux(&out) }
        default:
            break
        }
    }

    /// Resets a stream (both directions end at once; queued bytes are dropped). `code` goes in the RST as
    /// go-yamux v5 does (0: none).
    public mutating func resetStream(_ id: UInt32, code: UInt32 = 0, output out: inout Output) {
        guard streams[id] != nil, var muxed = takeMuxed() else { return }
        try? muxed.yamux.reset(id, code: code)
        restore(consume muxed)
        forget(id, &out)
        if !defersSealing { flushYamux(&out) }
    }

    /// Stops crediting bytes that arrive on an application stream: the peer can send at most what its window still
    /// allows (one window), then waits. Other streams are not affected.
    public mutating func pauseReading(_ id: UInt32) {
        switch streams[id] {
        case .app(var app):
            app.paused = true
            streams[id] = .app(app)
        case .appDialing(var dialing):
            dialing.app.paused = true
            streams[id] = .appDialing(dialing)
        default:
            break
        }
    }

    /// Credits what arrived while paused (a window update goes out) and credits new bytes at once again.
    public mutating func resumeReading(_ id: UInt32, now: UInt64, output out: inout Output) {
        switch streams[id] {
        case .app(var app) where app.paused:
            let uncredited = app.resume()
            streams[id] = .app(app)
            credit(id, uncredited, now, &out)
        case .appDialing(var dialing) where dialing.app.paused:
            let uncredited = dialing.app.resume()
            streams[id] = .appDialing(dialing)
            credit(id, uncredited, now, &out)
        default:
            break
        }
    }

    /// Reopens `count` bytes of the peer's window on `id` (a window update goes out).
    private mutating func credit(_ id: UInt32, _ count: Int, _ now: UInt64, _ out: inout Output) {
        guard count > 0, var muxed = takeMuxed() else { return }
        muxed.yamux.consumed(id, count: count, now: now)
        restore(consume muxed)
        if !defersSealing { flushYamux(&out) }
    }

    /// Caps what the peer may have in flight on application stream `id` at `bytes` (after the window it was granted
    /// at open, 256 KiB, is used up): a forwarding service bounds what a paused stream can hold this way.
    public mutating func capReceiveWindow(_ id: UInt32, at bytes: UInt32) {
        switch streams[id] {
        case .app, .appDialing:
            guard var muxed = takeMuxed() else { return }
            muxed.yamux.capReceiveWindow(id, at: bytes)
            restore(consume muxed)
        default:
            break
        }
    }

    /// The receive window Yamux keeps open for the peer on `id` (grows with auto-tuning), nil for an unknown stream.
    public func receiveWindow(of id: UInt32) -> UInt32? {
        guard case .muxed(_, let yamux) = stage else { return nil }
        return yamux.receiveWindow(of: id)
    }

    /// Whether the connection still knows stream `id` (open in at least one direction).
    public func hasStream(_ id: UInt32) -> Bool { streams[id] != nil }

    /// Whether reading `id` is paused.
    public func isReadingPaused(_ id: UInt32) -> Bool {
        switch streams[id] {
        case .app(let app): app.paused
        case .appDialing(let dialing): dialing.app.paused
        default: false
        }
    }

    /// Tells the connection its socket's write queue is above (true) or back below (false) its high-water mark.
    /// While blocked, stream data stays in the Yamux queues (bounded) instead of growing the socket's queue;
    /// unblocking moves it out and reports ``ConnectionEvent/streamWritable(_:)`` where there is room again.
    public mutating func setTransportBlocked(_ blocked: Bool, output out: inout Output) {
        guard var muxed = takeMuxed() else { return }
        muxed.yamux.holdsData = blocked
        restore(consume muxed)
        if !blocked { flushYamux(&out) }
    }

    /// Bytes written on `id` and not sent yet (queued in Yamux, or waiting for the stream to open).
    public func queuedBytes(of id: UInt32) -> Int? {
        switch streams[id] {
        case .appDialing(let dialing): return dialing.pending.count
        case .app(let app):
            guard case .muxed(_, let yamux) = stage else { return nil }
            return (yamux.queuedBytes(of: id) ?? 0) + app.held.count
        default: return nil
        }
    }

    /// Emits ``ConnectionEvent/streamWritable(_:)`` for blocked writers that can take a good part again: their
    /// queue is at most half full, or it is empty and their window open (another stream may be holding the
    /// session's queue room, but a write would go straight out). It may come in the same output as the short write.
    mutating func reportWritable(_ yamux: YamuxSession, _ out: inout Output) {
        let threshold = max(1, yamuxConfig.maxQueuedBytesPerStream / 2)
        for id in blockedWriters {
            guard case .app(let app) = streams[id], app.held.isEmpty, let room = yamux.writeRoom(of: id) else {
                continue
            }
            let sendsDirectly =
                yamux.queuedBytes(of: id) == 0 && (yamux.sendWindow(of: id) ?? 0) > 0 && !yamux.holdsData
            guard room >= threshold || sendsDirectly else { continue }
            blockedWriters.remove(id)
            out.events.append(.streamWritable(id))
        }
    }

    /// Moves held bytes (written before their stream opened) into Yamux as its queues allow; a local close that
    /// waited for them follows.
    mutating func moveHeld(_ yamux: inout YamuxSession, _ out: inout Output) {
        for id in holdingStreams {
            guard case .app(var app) = streams[id] else {
                holdingStreams.remove(id)
                continue
            }
            streams[id] = nil  // unique `held` while it shrinks
            let taken = (try? yamux.write(id, app.held)) ?? 0
            app.held.removeFirst(taken)
            streams[id] = .app(app)
            guard app.held.isEmpty else { continue }
            holdingStreams.remove(id)
            guard app.localClosed else { continue }
            try? yamux.close(id)
            if app.remoteClosed { forget(id, &out) }  // both halves done
        }
    }
}
