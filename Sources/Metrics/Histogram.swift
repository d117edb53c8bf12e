import Synchronization

/// One histogram time series (one label-value tuple of a ``HistogramFamily``).
///
/// Cost: ``observe(_:)`` does a binary search over the bucket bounds (outside any lock) and then
/// takes one uncontended `Mutex` (a futex word: an atomic exchange in and out) to bump a bucket,
/// the sum and the count together, so a scrape never sees a torn histogram. No allocation.
public final class Histogram: Sendable {
    /// Prometheus client libraries' default buckets: 0.005 … 10 (seconds).
    public static let defaultBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// Longest bucket list accepted (bounds memory per series and scrape size).
    public static let maxBuckets = 128

    /// `count` buckets: `start`, `start*factor`, `start*factor²`, …
    ///
    /// - Throws: ``MetricsError/invalidBuckets(_:)`` unless `start > 0`, `factor > 1`, and
    ///   `1 <= count <= maxBuckets`, all finite.
    public static func exponentialBuckets(start: Double, factor: Double, count: Int) throws(MetricsError) -> [Double] {
        guard start > 0, start.isFinite, factor > 1, factor.isFinite, count >= 1, count <= maxBuckets else {
            throw .invalidBuckets("exponentialBuckets(start: \(start), factor: \(factor), count: \(count))")
        }
        var result: [Double] = []
        result.reserveCapacity(count)
        var bound = start
        for _ in 0..<count {
            guard bound.isFinite else { throw .invalidBuckets("exponential buckets overflow to infinity") }
            result.append(bound)
            bound *= factor
        }
        return result
    }

    /// `count` buckets: `start`, `start+width`, `start+2*width`, …
    ///
    /// - Throws: ``MetricsError/invalidBuckets(_:)`` unless `width > 0` and `1 <= count <= maxBuckets`.
    public static func linearBuckets(start: Double, width: Double, count: Int) throws(MetricsError) -> [Double] {
        guard start.isFinite, width > 0, width.isFinite, count >= 1, count <= maxBuckets else {
            throw .invalidBuckets("linearBuckets(start: \(start), width: \(width), count: \(count))")
        }
        return (0..<count).map { start + Double($0) * width }
    }

    struct State {
        /// Non-cumulative counts; index `upperBounds.count` is the `+Inf` bucket.
        var bucketCounts: [UInt64]
        var sum: Double = 0
        var count: UInt64 = 0
    }

    /// Finite upper bounds, strictly increasing (`+Inf` is implicit).
    let upperBounds: [Double]
    let state: Mutex<State>

    init(upperBounds: [Double]) {
        self.upperBounds = upperBounds
        self.state = Mutex(State(bucketCounts: Array(repeating: 0, count: upperBounds.count + 1)))
    }

    /// Records one observation. NaN lands in the `+Inf` bucket only and makes the sum NaN, as in
    /// the Prometheus Go client.
    public func observe(_ value: Double) {
        // First bucket whose bound is >= value; NaN compares false everywhere and ends at +Inf.
        var low = 0
        var high = upperBounds.count
        while low < high {
            let mid = (low + high) / 2
            if value <= upperBounds[mid] { high = mid } else { low = mid + 1 }
        }
        if value.isNaN { low = upperBounds.count }
        let index = low
        state.withLock { state in
            state.bucketCounts[index] &+= 1
            state.sum += value
            state.count &+= 1
        }
    }

    /// A consistent copy: cumulative bucket counts (last one is `+Inf`), sum and count.
    public var snapshot: (cumulativeCounts: [UInt64], sum: Double, count: UInt64) {
        let copy = state.withLock { $0 }
        var running: UInt64 = 0
        let cumulative = copy.bucketCounts.map { count -> UInt64 in
            running &+= count
            return running
        }
        return (cumulative, copy.sum, copy.count)
    }
}
