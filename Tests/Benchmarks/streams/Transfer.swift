import Node

/// Bulk transfer: the dialer opens `streams` streams of `Bench.proto`, writes `bytes` in total (split evenly) in
/// `chunk`-byte writes, then closes its halves; the listener checks every delivered byte against ``Pattern`` and
/// closes its half on the dialer's FIN. Done when both sides saw every FIN, each stream delivered exactly its share
/// and both machines are back to the streams they had before.
///
/// Pump loop, one round: the writer writes on every stream that may take more until a write accepts less than
/// offered (or, old API, would not fit), then the dialer's bytes go to the listener, the listener's answer (window
/// updates, FINs) to the dialer, and the dialer's answer (queued data the windows now allow) waits for the next
/// round. With nothing in flight the dialer is flushed once (Yamux moves at most `maxPendingOutputBytes` per seal);
/// still nothing is a stall and fails the run.
struct Transfer {
    let streams: Int
    let bytes: Int
    let pattern: Pattern

    private var pair: Pair
    private var ids: [UInt32] = []
    private var index: [UInt32: Int] = [:]
    private var share: [Int] = []
    private var written: [Int] = []
    private var accepted: [Bool] = []
    private var writable: [Bool] = []
    private var writeClosed: [Bool] = []
    private var received: [Int] = []
    private var finishedAtListener: [Bool] = []
    private var finishedAtDialer: [Bool] = []
    private var remaining = 0
    private var baseline = (dialer: 0, listener: 0)

    init(pair: Pair, streams: Int, bytes: Int, pattern: Pattern) {
        self.pair = pair
        self.streams = streams
        self.bytes = bytes
        self.pattern = pattern
    }

    /// Opens the streams and moves everything; throws on any loss, corruption, reset or stall.
    mutating func run() throws {
        baseline = (pair.dialer.streamCount, pair.listener.streamCount)
        share = (0..<streams).map { bytes / streams + ($0 < bytes % streams ? 1 : 0) }
        written = Array(repeating: 0, count: streams)
        writable = Array(repeating: false, count: streams)
        accepted = writable
        writeClosed = writable
        finishedAtListener = writable
        finishedAtDialer = writable
        received = written
        remaining = 2 * streams
        for s in 0..<streams {
            guard let (id, output) = pair.dialer.openStream(Bench.proto, now: 0) else {
                throw BenchError("openStream \(s) refused")
            }
            ids.append(id)
            index[id] = s
            append(&pair.toListener, output.bytes)
        }
        while remaining > 0 {
            var out = Output()
            for s in 0..<streams where writable[s] && !writeClosed[s] { try write(s, &out) }
            try dialerEvents(out.events)
            append(&pair.toListener, out.bytes)
            if pair.toListener.isEmpty && pair.toDialer.isEmpty {
                var kick = Output()
                pair.dialer.flush(output: &kick)
                try dialerEvents(kick.events)
                append(&pair.toListener, kick.bytes)
                guard !pair.toListener.isEmpty else { throw BenchError("stalled: \(progress)") }
            }
            if !pair.toListener.isEmpty { try deliverToListener() }
            if !pair.toDialer.isEmpty { try deliverToDialer() }
        }
        guard pair.toListener.isEmpty, pair.toDialer.isEmpty else { throw BenchError("bytes left in flight") }
        guard pair.dialer.streamCount == baseline.dialer, pair.listener.streamCount == baseline.listener else {
            throw BenchError(
                "streams left open: dialer \(pair.dialer.streamCount) (had \(baseline.dialer)), listener "
                    + "\(pair.listener.streamCount) (had \(baseline.listener))")
        }
    }

    private mutating func write(_ s: Int, _ out: inout Output) throws {
        while writable[s] && written[s] < share[s] {
            let count = min(pattern.chunk - written[s] % pattern.chunk, share[s] - written[s])
            let piece = pattern.piece(stream: s, offset: written[s], count: count)
            guard let taken = Compat.write(&pair.dialer, ids[s], piece, &out) else {
                throw BenchError("stream \(s) not writable after \(written[s]) bytes")
            }
            written[s] += taken
            if taken < count { writable[s] = false }
        }
        if written[s] == share[s] {
            Compat.closeWrite(&pair.dialer, ids[s], &out)
            writeClosed[s] = true
        }
    }

    private mutating func deliverToListener() throws {
        var out = Compat.receive(&pair.listener, take(&pair.toListener))
        var closes = Output()
        for event in out.events { if case .failed(let reason) = event { throw BenchError("listener: \(reason)") } }
        try Compat.forEach(out.events) { event in
            switch event {
            case .data(let id, let data):
                guard let s = index[id] else { throw BenchError("listener: data on unknown stream \(id)") }
                guard received[s] + data.count <= share[s], pattern.matches(data, stream: s, offset: received[s])
                else { throw BenchError("stream \(s): wrong bytes at offset \(received[s]) (\(data.count) bytes)") }
                received[s] += data.count
            case .finished(let id):
                guard let s = index[id], !finishedAtListener[s] else { throw BenchError("listener: stray FIN \(id)") }
                guard received[s] == share[s] else {
                    throw BenchError("stream \(s) ended after \(received[s]) of \(share[s]) bytes")
                }
                finishedAtListener[s] = true
                remaining -= 1
                Compat.closeWrite(&pair.listener, id, &closes)
            case .failed(let id, let reason):
                throw BenchError("listener: stream \(id) \(reason)")
            case .opened, .writable:
                break
            }
        }
        append(&out.bytes, closes.bytes)
        append(&pair.toDialer, out.bytes)
    }

    private mutating func deliverToDialer() throws {
        let out = Compat.receive(&pair.dialer, take(&pair.toDialer))
        try dialerEvents(out.events)
        append(&pair.toListener, out.bytes)
        if !Compat.announcesWritable {
            for s in 0..<streams where accepted[s] { writable[s] = true }
        }
    }

    private mutating func dialerEvents(_ events: [ConnectionEvent]) throws {
        for event in events { if case .failed(let reason) = event { throw BenchError("dialer: \(reason)") } }
        try Compat.forEach(events) { event in
            switch event {
            case .opened(let id):
                guard let s = index[id], !accepted[s] else { throw BenchError("dialer: stray open of \(id)") }
                accepted[s] = true
                writable[s] = true
            case .writable(let id):
                guard let s = index[id], accepted[s] else { throw BenchError("dialer: stray writable \(id)") }
                writable[s] = true
            case .finished(let id):
                guard let s = index[id], writeClosed[s], !finishedAtDialer[s] else {
                    throw BenchError("dialer: stream \(id) closed by the peer before our FIN")
                }
                finishedAtDialer[s] = true
                remaining -= 1
            case .data(let id, _):
                throw BenchError("dialer: unexpected data on stream \(id)")
            case .failed(let id, let reason):
                throw BenchError("dialer: stream \(id) \(reason)")
            }
        }
    }

    private var progress: String {
        "written \(written.reduce(0, +)), received \(received.reduce(0, +)) of \(bytes); "
            + "dialer buffers \(pair.dialer.bufferedBytes) bytes"
    }
}
