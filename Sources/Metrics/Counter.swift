import Synchronization

/// One counter time series (one label-value tuple of a ``CounterFamily``).
///
/// Cost: the value is a `Double` stored as its bit pattern in an `Atomic<UInt64>`; ``inc(by:)`` is one
/// relaxed load plus a compare-exchange loop (a single uncontended CAS, a few nanoseconds), no lock
/// and no allocation. Keep the handle (from ``CounterFamily/labels(_:)-(String...)``) on the hot path
/// instead of looking it up per packet.
public final class Counter: Sendable {
    private let bits = Atomic<UInt64>(0)

    init() {}

    /// Adds `amount`. Negative, NaN and zero amounts are ignored: a counter only goes up.
    @inlinable
    public func inc(by amount: Double = 1) {
        guard amount > 0 else { return }
        add(amount)
    }

    @usableFromInline
    func add(_ amount: Double) {
        var current = bits.load(ordering: .relaxed)
        while true {
            let next = (Double(bitPattern: current) + amount).bitPattern
            let (exchanged, original) = bits.compareExchange(
                expected: current, desired: next, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    /// The current value.
    public var value: Double {
        Double(bitPattern: bits.load(ordering: .relaxed))
    }
}
