import Synchronization

/// A set of metric families rendered together in the Prometheus text exposition format 0.0.4.
///
/// Thread-safe: the family table sits behind a `Mutex`; updating a series never touches it (see
/// ``Counter``, ``Gauge``, ``Histogram`` for per-update costs). Registration validates names per the
/// Prometheus rules and throws ``MetricsError`` on a programmer error; label *values* are never
/// validated and never fail — they are escaped when rendered.
///
/// Registering a name again with the same kind, label names (and buckets) returns the existing
/// family; anything else with that name throws ``MetricsError/conflictingRegistration(_:)``.
public final class MetricsRegistry: Sendable {
    /// Longest `# HELP` text accepted, in UTF-8 bytes.
    public static let maxHelpBytes = 1024

    /// Default bound on label-value tuples per family (see ``CounterFamily``).
    public let maxLabelSets: Int

    private enum Entry: Sendable {
        case counter(CounterFamily)
        case gauge(GaugeFamily)
        case histogram(HistogramFamily)
        case function(FunctionFamily)
    }

    private struct State {
        var families: [String: Entry] = [:]
        /// Every sample name any family emits, to catch `foo_count` next to histogram `foo`.
        var sampleNames: Set<String> = []
    }

    private let state = Mutex(State())

    /// - Parameter maxLabelSets: default bound on distinct label-value tuples per family (at least 1).
    public init(maxLabelSets: Int = 256) {
        self.maxLabelSets = max(1, maxLabelSets)
    }

    /// Registers (or returns the existing) counter family. The name must end in `_total`.
    public func counter(
        _ name: String, help: String, labelNames: [String] = [], maxLabelSets: Int? = nil
    ) throws(MetricsError) -> CounterFamily {
        try Self.validate(name: name, help: help, labelNames: labelNames)
        guard name.hasSuffix("_total") else { throw .counterNameMissingTotalSuffix(name) }
        let fresh = CounterFamily(
            name: name, help: help, labelNames: labelNames, maxLabelSets: maxLabelSets ?? self.maxLabelSets)
        let entry = try register(.counter(fresh), name: name, samples: [name]) { existing in
            if case .counter(let family) = existing, family.labelNames == labelNames { return true }
            return false
        }
        guard case .counter(let family) = entry else { throw .conflictingRegistration(name) }
        return family
    }

    /// Registers (or returns the existing) gauge family.
    public func gauge(
        _ name: String, help: String, labelNames: [String] = [], maxLabelSets: Int? = nil
    ) throws(MetricsError) -> GaugeFamily {
        try Self.validate(name: name, help: help, labelNames: labelNames)
        let fresh = GaugeFamily(
            name: name, help: help, labelNames: labelNames, maxLabelSets: maxLabelSets ?? self.maxLabelSets)
        let entry = try register(.gauge(fresh), name: name, samples: [name]) { existing in
            if case .gauge(let family) = existing, family.labelNames == labelNames { return true }
            return false
        }
        guard case .gauge(let family) = entry else { throw .conflictingRegistration(name) }
        return family
    }

    /// Registers (or returns the existing) histogram family. `le` is not allowed as a label name;
    /// `buckets` must be finite and strictly increasing (a trailing `+Inf` is accepted and implied).
    public func histogram(
        _ name: String, help: String, labelNames: [String] = [], buckets: [Double] = Histogram.defaultBuckets,
        maxLabelSets: Int? = nil
    ) throws(MetricsError) -> HistogramFamily {
        try Self.validate(name: name, help: help, labelNames: labelNames)
        if labelNames.contains("le") { throw .invalidLabelName(metric: name, label: "le") }
        let bounds = try HistogramFamily.normalise(buckets, name: name)
        let fresh = HistogramFamily(
            name: name, help: help, labelNames: labelNames, buckets: bounds,
            maxLabelSets: maxLabelSets ?? self.maxLabelSets)
        let samples = [name + "_bucket", name + "_sum", name + "_count"]
        let entry = try register(.histogram(fresh), name: name, samples: samples) { existing in
            if case .histogram(let family) = existing, family.labelNames == labelNames, family.buckets == bounds {
                return true
            }
            return false
        }
        guard case .histogram(let family) = entry else { throw .conflictingRegistration(name) }
        return family
    }

    /// Registers a gauge whose samples `read` returns at every scrape. A name can be registered as
    /// a function family only once.
    public func gaugeFunction(
        _ name: String, help: String, labelNames: [String] = [],
        _ read: @escaping @Sendable () -> [(labels: [String], value: Double)]
    ) throws(MetricsError) {
        try Self.validate(name: name, help: help, labelNames: labelNames)
        let family = FunctionFamily(
            name: name, help: help, kind: .gauge, labelNames: labelNames, maxLabelSets: maxLabelSets, read: read)
        _ = try register(.function(family), name: name, samples: [name]) { _ in false }
    }

    /// Registers a counter (name ending in `_total`) whose samples `read` returns at every scrape,
    /// such as `process_cpu_seconds_total`. A name can be registered as a function family only once.
    public func counterFunction(
        _ name: String, help: String, labelNames: [String] = [],
        _ read: @escaping @Sendable () -> [(labels: [String], value: Double)]
    ) throws(MetricsError) {
        try Self.validate(name: name, help: help, labelNames: labelNames)
        guard name.hasSuffix("_total") else { throw .counterNameMissingTotalSuffix(name) }
        let family = FunctionFamily(
            name: name, help: help, kind: .counter, labelNames: labelNames, maxLabelSets: maxLabelSets, read: read)
        _ = try register(.function(family), name: name, samples: [name]) { _ in false }
    }

    /// Renders every family, sorted by name, in the text exposition format 0.0.4
    /// (serve it with ``PrometheusText/contentType``).
    public func render() -> String {
        let entries = state.withLock { state in
            state.families.sorted { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) }
        }
        var out = ""
        for (_, entry) in entries {
            switch entry {
            case .counter(let family): family.render(into: &out)
            case .gauge(let family): family.render(into: &out)
            case .histogram(let family): family.render(into: &out)
            case .function(let family): family.render(into: &out)
            }
        }
        return out
    }

    // MARK: - Private

    private static func validate(name: String, help: String, labelNames: [String]) throws(MetricsError) {
        guard MetricName.isValidMetricName(name) else { throw .invalidMetricName(name) }
        guard help.utf8.count <= maxHelpBytes else { throw .helpTooLong(name) }
        var seen = Set<String>()
        for label in labelNames {
            guard MetricName.isValidLabelName(label) else { throw .invalidLabelName(metric: name, label: label) }
            guard seen.insert(label).inserted else { throw .duplicateLabelName(metric: name, label: label) }
        }
    }

    /// Inserts `fresh` unless `name` exists; returns the existing entry when `matches` accepts it.
    private func register(
        _ fresh: Entry, name: String, samples: [String], matches: (Entry) -> Bool
    ) throws(MetricsError) -> Entry {
        let result: Result<Entry, MetricsError> = state.withLock { state in
            if let existing = state.families[name] {
                return matches(existing) ? .success(existing) : .failure(.conflictingRegistration(name))
            }
            let claimed = Set(samples).union([name])
            if !state.sampleNames.isDisjoint(with: claimed) || samples.contains(where: { state.families[$0] != nil }) {
                return .failure(.nameCollision(name))
            }
            state.sampleNames.formUnion(claimed)
            state.families[name] = fresh
            return .success(fresh)
        }
        return try result.get()
    }
}
