import Synchronization

/// One gauge time series (one label-value tuple of a ``GaugeFamily``).
///
/// Cost: like ``Counter``, an `Atomic<UInt64>` holding the `Double` bit pattern; ``set(_:)`` is one
/// atomic store, ``inc(by:)`` and ``dec(by:)`` a compare-exchange loop. No lock, no allocation.
public final class Gauge: Sendable {
    private let bits = Atomic<UInt64>(0)

    init() {}

    /// Sets the value.
    public func set(_ value: Double) {
        bits.store(value.bitPattern, ordering: .relaxed)
    }

    /// Adds `amount` (which may be negative).
    public func inc(by amount: Double = 1) {
        var current = bits.load(ordering: .relaxed)
        while true {
            let next = (Double(bitPattern: current) + amount).bitPattern
            let (exchanged, original) = bits.compareExchange(
                expected: current, desired: next, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    /// Subtracts `amount`.
    public func dec(by amount: Double = 1) {
        inc(by: -amount)
    }

    /// The current value.
    public var value: Double {
        Double(bitPattern: bits.load(ordering: .relaxed))
    }
}
