/// A gauge metric with zero or more labels; hands out one ``Gauge`` per label-value tuple.
///
/// Label sets are bounded by ``maxLabelSets``: beyond it, new tuples share one overflow series whose
/// label values are all `"overflow"`, as does a call with the wrong number of values.
public final class GaugeFamily: Sendable {
    /// The metric name.
    public let name: String
    /// The `# HELP` text.
    public let help: String
    let children: LabeledChildren<Gauge>

    /// The label names, in exposition order.
    public var labelNames: [String] { children.labelNames }
    /// The most label-value tuples with their own series.
    public var maxLabelSets: Int { children.maxLabelSets }

    init(name: String, help: String, labelNames: [String], maxLabelSets: Int) {
        self.name = name
        self.help = help
        self.children = LabeledChildren(labelNames: labelNames, maxLabelSets: maxLabelSets) { Gauge() }
    }

    /// The series for these label values (cache the result on hot paths).
    public func labels(_ values: String...) -> Gauge { children.child(values) }

    /// The series for these label values (cache the result on hot paths).
    public func labels(_ values: [String]) -> Gauge { children.child(values) }

    /// Sets the label-less series.
    public func set(_ value: Double) { children.child([]).set(value) }
    /// Increments the label-less series.
    public func inc(by amount: Double = 1) { children.child([]).inc(by: amount) }
    /// Decrements the label-less series.
    public func dec(by amount: Double = 1) { children.child([]).dec(by: amount) }

    func render(into out: inout String) {
        out += "# HELP \(name) \(PrometheusText.escapeHelp(help))\n# TYPE \(name) gauge\n"
        for (labels, child) in children.sortedSnapshot() {
            PrometheusText.appendSample(
                to: &out, name: name, labelNames: labelNames, labelValues: labels, value: child.value)
        }
    }
}
