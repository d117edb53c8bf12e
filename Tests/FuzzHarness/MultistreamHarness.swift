import Multistream

/// Multistream-select: the listener and the dialer fed arbitrary bytes.
public enum MultistreamHarness {
    static let config = MultistreamConfig(maxMessageLength: 64, maxAttempts: 4)
    static let supported: Set<String> = ["/noise", "/yamux/1.0.0", "/ipfs/id/1.0.0"]

    /// The bound on everything one side may send in a negotiation: its header, one answer or proposal per attempt,
    /// one `ls` list, each at most `maxMessageLength` plus framing.
    static var maxOutput: Int { (config.maxAttempts + 4) * (config.maxMessageLength + 4) }

    /// Checks the result sequence: once failed stays failed with the same error; once negotiated stays negotiated
    /// on the same protocol; the `remaining` bytes never exceed what was fed.
    struct Tracker {
        let allowed: Set<String>
        var result: MultistreamResult?
        var sent = 0
        var fed = 0
        var remaining = 0

        mutating func record(_ out: MultistreamOutput, fedNow: Int, check: FuzzCheck) {
            fed += fedNow
            if result != nil { check(out.toSend.isEmpty, "sent \(out.toSend.count) bytes after the result") }
            sent += out.toSend.count
            check(sent <= MultistreamHarness.maxOutput, "multistream sent \(sent) bytes")
            switch (result, out.result) {
            case (.failed(let before), let now?):
                check(now == .failed(before), "a failed negotiation changed its result to \(now)")
            case (.failed, nil):
                check(false, "a failed negotiation returned no result")
            case (.negotiated(let name, _), .negotiated(let now, _)?):
                check(now == name, "negotiated protocol changed from \(name) to \(now)")
            case (.negotiated, let now):
                check(false, "a negotiated negotiation returned \(String(describing: now))")
            case (nil, _):
                break
            }
            if case .negotiated(let name, let rest)? = out.result {
                if result == nil { check(allowed.contains(name), "negotiated an unknown protocol \(name)") }
                remaining += rest.count
                check(remaining <= fed, "remaining bytes \(remaining) exceed the \(fed) fed")
            }
            if let result = out.result, self.result == nil { self.result = result }
        }
    }

    /// `MultistreamListener` and `MultistreamDialer` fed the input in random splits (seeded by its first byte):
    /// they never trap, send at most `maxOutput` bytes, keep their result once they have one, and hand back no more
    /// `remaining` bytes than were fed.
    public static func negotiate(_ bytes: [UInt8], check: FuzzCheck) {
        let chunks = Chunks.split(bytes, maxChunk: 24)

        var listener = MultistreamListener(supported: supported, config: config)
        var listened = Tracker(allowed: supported)
        for chunk in chunks { listened.record(listener.receive(chunk), fedNow: chunk.count, check: check) }

        let proposals = ["/tls/1.0.0", "/noise"]
        var dialer = MultistreamDialer(proposals: proposals, config: config)
        var dialed = Tracker(allowed: Set(proposals))
        let start = dialer.start()
        check(start.result == nil && !start.toSend.isEmpty, "dialer start failed")
        dialed.record(start, fedNow: 0, check: check)
        for chunk in chunks { dialed.record(dialer.receive(chunk), fedNow: chunk.count, check: check) }
    }
}
