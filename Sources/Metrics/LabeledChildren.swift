import Synchronization

/// The per-family cache of child series keyed by label-value tuple, with a bound.
///
/// At most `maxLabelSets` distinct tuples get their own series. Once that many exist, every new
/// tuple — and every call with the wrong number of label values — maps to a single overflow series
/// whose label values are all `"overflow"`, so a family never grows past `maxLabelSets + 1` series
/// no matter what values reach it. Existing tuples keep their own series.
final class LabeledChildren<Child: AnyObject & Sendable>: Sendable {
    /// The label value every label of the overflow series carries.
    static var overflowValue: String { "overflow" }

    let labelNames: [String]
    let maxLabelSets: Int
    private let make: @Sendable () -> Child
    private let children: Mutex<[[String]: Child]>
    /// The series of a label-less family, created up front so `family.inc()` takes no lock.
    let unlabeled: Child?

    init(labelNames: [String], maxLabelSets: Int, make: @escaping @Sendable () -> Child) {
        self.labelNames = labelNames
        self.maxLabelSets = max(1, maxLabelSets)
        self.make = make
        if labelNames.isEmpty {
            let only = make()
            self.unlabeled = only
            self.children = Mutex([[]: only])
        } else {
            self.unlabeled = nil
            self.children = Mutex([:])
        }
    }

    /// The child for `values`, created on first use; the overflow child when over the bound or when
    /// `values.count` differs from the number of label names.
    func child(_ values: [String]) -> Child {
        if let unlabeled, values.isEmpty { return unlabeled }
        let overflowKey = Array(repeating: Self.overflowValue, count: labelNames.count)
        let key = values.count == labelNames.count ? values : overflowKey
        return children.withLock { children in
            if let existing = children[key] { return existing }
            let ownSeries = children.count - (children[overflowKey] == nil ? 0 : 1)
            if ownSeries >= maxLabelSets, let overflow = children[overflowKey] { return overflow }
            let created = make()
            children[ownSeries >= maxLabelSets ? overflowKey : key] = created
            return created
        }
    }

    /// All children, sorted by label values.
    func sortedSnapshot() -> [(labels: [String], child: Child)] {
        let copy = children.withLock { children in children.map { (labels: $0.key, child: $0.value) } }
        return copy.sorted { PrometheusText.labelsPrecede($0.labels, $1.labels) }
    }
}
