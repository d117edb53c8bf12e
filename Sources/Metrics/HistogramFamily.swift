/// A histogram metric with zero or more labels; hands out one ``Histogram`` per label-value tuple.
///
/// Label sets are bounded by ``maxLabelSets``: beyond it, new tuples share one overflow series whose
/// label values are all `"overflow"`, as does a call with the wrong number of values.
public final class HistogramFamily: Sendable {
    /// The metric name (samples are `<name>_bucket`, `<name>_sum`, `<name>_count`).
    public let name: String
    /// The `# HELP` text.
    public let help: String
    /// Finite bucket upper bounds, strictly increasing; `+Inf` is implicit.
    public let buckets: [Double]
    let children: LabeledChildren<Histogram>

    /// The label names, in exposition order.
    public var labelNames: [String] { children.labelNames }
    /// The most label-value tuples with their own series.
    public var maxLabelSets: Int { children.maxLabelSets }

    init(name: String, help: String, labelNames: [String], buckets: [Double], maxLabelSets: Int) {
        self.name = name
        self.help = help
        self.buckets = buckets
        self.children = LabeledChildren(labelNames: labelNames, maxLabelSets: maxLabelSets) {
            Histogram(upperBounds: buckets)
        }
    }

    /// Checks and normalises bucket bounds: drops a trailing `+Inf`, requires finite, strictly
    /// increasing values and at most ``Histogram/maxBuckets`` of them.
    static func normalise(_ buckets: [Double], name: String) throws(MetricsError) -> [Double] {
        var bounds = buckets
        if bounds.last == .infinity { bounds.removeLast() }
        guard !bounds.isEmpty, bounds.count <= Histogram.maxBuckets else {
            throw .invalidBuckets("\(name): need 1...\(Histogram.maxBuckets) finite buckets")
        }
        for (index, bound) in bounds.enumerated() {
            guard bound.isFinite else { throw .invalidBuckets("\(name): bucket \(bound) is not finite") }
            if index > 0, bounds[index - 1] >= bound {
                throw .invalidBuckets("\(name): buckets must be strictly increasing")
            }
        }
        return bounds
    }

    /// The series for these label values (cache the result on hot paths).
    public func labels(_ values: String...) -> Histogram { children.child(values) }

    /// The series for these label values (cache the result on hot paths).
    public func labels(_ values: [String]) -> Histogram { children.child(values) }

    /// Observes into the label-less series.
    public func observe(_ value: Double) { children.child([]).observe(value) }

    func render(into out: inout String) {
        out += "# HELP \(name) \(PrometheusText.escapeHelp(help))\n# TYPE \(name) histogram\n"
        let bucketName = name + "_bucket"
        let bounds = buckets.map(PrometheusText.formatValue) + ["+Inf"]
        for (labels, child) in children.sortedSnapshot() {
            let snapshot = child.snapshot
            for (bound, count) in zip(bounds, snapshot.cumulativeCounts) {
                PrometheusText.appendSample(
                    to: &out, name: bucketName, labelNames: labelNames, labelValues: labels,
                    extraLabel: ("le", bound), value: Double(count))
            }
            PrometheusText.appendSample(
                to: &out, name: name + "_sum", labelNames: labelNames, labelValues: labels, value: snapshot.sum)
            PrometheusText.appendSample(
                to: &out, name: name + "_count", labelNames: labelNames, labelValues: labels,
                value: Double(snapshot.count))
        }
    }
}
