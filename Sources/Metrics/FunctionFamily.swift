/// A counter or gauge whose samples are read by a closure at scrape time (process CPU seconds,
/// open file descriptors, table sizes owned by another component).
///
/// The closure runs during ``MetricsRegistry/render()`` outside the registry's lock, so it may take
/// its own locks. Samples whose label count differs from the family's are dropped, a repeated
/// label tuple keeps its first value, and at most `maxLabelSets` samples are rendered.
final class FunctionFamily: Sendable {
    enum Kind: String, Sendable {
        case counter
        case gauge
    }

    let name: String
    let help: String
    let kind: Kind
    let labelNames: [String]
    let maxLabelSets: Int
    let read: @Sendable () -> [(labels: [String], value: Double)]

    init(
        name: String, help: String, kind: Kind, labelNames: [String], maxLabelSets: Int,
        read: @escaping @Sendable () -> [(labels: [String], value: Double)]
    ) {
        self.name = name
        self.help = help
        self.kind = kind
        self.labelNames = labelNames
        self.maxLabelSets = max(1, maxLabelSets)
        self.read = read
    }

    func render(into out: inout String) {
        out += "# HELP \(name) \(PrometheusText.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
        var seen = Set<[String]>()
        var samples: [(labels: [String], value: Double)] = []
        for sample in read() where sample.labels.count == labelNames.count {
            guard samples.count < maxLabelSets else { break }
            if seen.insert(sample.labels).inserted { samples.append(sample) }
        }
        samples.sort { PrometheusText.labelsPrecede($0.labels, $1.labels) }
        for sample in samples {
            PrometheusText.appendSample(
                to: &out, name: name, labelNames: labelNames, labelValues: sample.labels, value: sample.value)
        }
    }
}
