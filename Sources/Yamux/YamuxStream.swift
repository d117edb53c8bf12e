/// Per-stream bookkeeping of a `YamuxSession`.
struct YamuxStream {
    let outbound: Bool
    /// Outbound: the peer's ACK arrived. Inbound: always true (we ACK on SYN).
    var acknowledged: Bool

    // Send side
    /// Credit the peer granted us (bytes we may still send).
    var sendWindow: UInt32 = YamuxConfig.initialStreamWindow
    var sendQueue: [UInt8] = []
    var sendQueueHead = 0
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
    /// Start of the current auto-tuning epoch (last window update), nanoseconds.
    var epochStart: UInt64

    init(outbound: Bool, now: UInt64) {
        self.outbound = outbound
        self.acknowledged = !outbound
        self.epochStart = now
    }

    var queuedCount: Int { sendQueue.count - sendQueueHead }

    mutating func dequeue(_ count: Int) -> ArraySlice<UInt8> {
        let slice = sendQueue[sendQueueHead..<(sendQueueHead + count)]
        sendQueueHead += count
        if sendQueueHead == sendQueue.count {
            sendQueue.removeAll(keepingCapacity: true)
            sendQueueHead = 0
        } else if sendQueueHead > 64 * 1024 && sendQueueHead > sendQueue.count / 2 {
            sendQueue.removeFirst(sendQueueHead)
            sendQueueHead = 0
        }
        return slice
    }
}
