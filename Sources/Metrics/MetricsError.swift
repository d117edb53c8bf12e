/// Errors raised when registering metrics.
///
/// Metric names, label names and buckets are program constants, so every case here is a programmer
/// error reported at startup; nothing derived from network input (label *values*, observed numbers)
/// can produce one.
public enum MetricsError: Error, Equatable, Sendable {
    /// The metric name does not match `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    case invalidMetricName(String)
    /// The label name does not match `[a-zA-Z_][a-zA-Z0-9_]*`, starts with `__`, or is reserved
    /// for the metric kind (`le` on histograms).
    case invalidLabelName(metric: String, label: String)
    /// The same label name appears twice in one family.
    case duplicateLabelName(metric: String, label: String)
    /// Counter names must end in `_total`.
    case counterNameMissingTotalSuffix(String)
    /// The name is already registered with a different kind, label names or buckets.
    case conflictingRegistration(String)
    /// A sample name produced by this family (for example a histogram's `_bucket`) collides
    /// with another family.
    case nameCollision(String)
    /// Histogram buckets must be non-empty, finite, and strictly increasing.
    case invalidBuckets(String)
    /// The help text is longer than ``MetricsRegistry/maxHelpBytes``.
    case helpTooLong(String)
}
