import Synchronization

/// Structured logger: one event per line to a `LogSink`, in logfmt or JSON, filtered by a level
/// that can change at runtime (e.g. on SIGHUP). Thread-safe.
///
/// Never pass key material (private keys, seeds, secrets) as an event or field: lines go to
/// stderr and from there to journald or container logs.
public final class Logger: Sendable {
    private let levelStorage: Atomic<UInt8>
    private let formatStorage: Atomic<UInt8>
    private let sink: any LogSink
    private let clock: @Sendable () -> Int64

    /// - Parameters:
    ///   - clock: milliseconds since the Unix epoch; inject a fixed clock in tests.
    public init(
        level: LogLevel = .info, format: LogFormat = .logfmt, sink: any LogSink = FileDescriptorLogSink(),
        clock: @escaping @Sendable () -> Int64 = LogTimestamp.nowMilliseconds
    ) {
        levelStorage = Atomic(level.rawValue)
        formatStorage = Atomic(format.rawValue)
        self.sink = sink
        self.clock = clock
    }

    /// The most verbose level currently emitted.
    public var level: LogLevel {
        get { LogLevel(rawValue: levelStorage.load(ordering: .relaxed)) ?? .info }
        set { levelStorage.store(newValue.rawValue, ordering: .relaxed) }
    }

    /// The current line format.
    public var format: LogFormat {
        get { LogFormat(rawValue: formatStorage.load(ordering: .relaxed)) ?? .logfmt }
        set { formatStorage.store(newValue.rawValue, ordering: .relaxed) }
    }

    /// True when an event at `level` would be written (use it to skip building expensive fields).
    public func isEnabled(_ level: LogLevel) -> Bool { level <= self.level }

    /// Writes one event if `level` passes the filter.
    public func log(_ level: LogLevel, _ event: String, _ fields: [(String, String)]) {
        guard isEnabled(level) else { return }
        let timestamp = LogTimestamp.format(milliseconds: clock())
        let line: String
        switch format {
        case .logfmt: line = LogLineFormatter.logfmt(timestamp: timestamp, level: level, event: event, fields: fields)
        case .json: line = LogLineFormatter.json(timestamp: timestamp, level: level, event: event, fields: fields)
        }
        sink.write(line: line)
    }

    /// Writes one event if `level` passes the filter; `fields` keep their order.
    public func log(_ level: LogLevel, _ event: String, _ fields: KeyValuePairs<String, String> = [:]) {
        guard isEnabled(level) else { return }
        log(level, event, fields.map { ($0.key, $0.value) })
    }

    public func error(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.error, event, fields) }
    public func warn(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.warn, event, fields) }
    public func info(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.info, event, fields) }
    public func debug(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.debug, event, fields) }
}
