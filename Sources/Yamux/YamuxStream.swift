/// Per-stream bookkeeping of a `YamuxSession`.
struct YamuxStream {
    let outbound: Bool
    /// Outbound: the peer's ACK arrived. Inbound: always true (we ACK on SYN).
    var acknowledged: Bool

    // Send side
    /// Credit the peer granted us (bytes we may still send).
    var sendWindow: UInt32 = YamuxConfig.initialStreamWindow
    var sendQueue = YamuxSendQueue()
    var finQueued = false
    var finSent = false

    // Receive side
    /// The window we aim to keep open for the peer (auto-tuned up to `maxStreamWindow`).
    var recvWindowTarget: UInt32 = YamuxConfig.initialStreamWindow
    /// Credit the peer still has.
    var recvRemaining: UInt32 = YamuxConfig.initialStreamWindow
    /// Delivered in `.data` events, not yet reported consumed.
    var unconsumed: UInt32 = 0
    var finReceived = false
    /// The most the receive window may be (``YamuxSession/capReceiveWindow(_:at:)``); auto-tuning stops below it.
    var windowCap: UInt32 = .max
    /// Start of the current auto-tuning epoch (last window update), nanoseconds.
    var epochStart: UInt64

    init(outbound: Bool, now: UInt64) {
        self.outbound = outbound
        self.acknowledged = !outbound
        self.epochStart = now
    }

    var queuedCount: Int { sendQueue.count }

    /// In the session's ready queue.
    var inReady = false

    /// Whether `flush` has something to do for this stream: data and window, or a FIN to send.
    var canSend: Bool {
        (queuedCount > 0 && sendWindow > 0) || (finQueued && !finSent && queuedCount == 0)
    }

    /// Appends one frame to `output`: up to `maxFrame` queued bytes the window allows (with FIN when they are the
    /// last and the stream is closing), or a bare FIN. Returns the data bytes moved out of the queue.
    mutating func emitFrame(_ id: UInt32, into output: inout [UInt8], maxFrame: Int) -> Int {
        let n = min(queuedCount, Int(sendWindow), maxFrame)
        guard n > 0 else {
            guard finQueued, !finSent, queuedCount == 0 else { return 0 }
            YamuxHeader(type: .windowUpdate, flags: .fin, streamID: id, length: 0).encode(into: &output)
            finSent = true
            return 0
        }
        let last = n == queuedCount && finQueued
        YamuxHeader(type: .data, flags: last ? .fin : [], streamID: id, length: UInt32(n)).encode(into: &output)
        sendQueue.move(n, into: &output)
        sendWindow -= UInt32(n)
        if last { finSent = true }
        return n
    }
}
