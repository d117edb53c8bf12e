import HTTP1
import Metrics
import WaystoneRuntime

/// The metrics and health endpoint: HTTP/1.1 on a plain TCP listener of the event loop.
///
/// `GET`/`HEAD` on `/metrics` (Prometheus text), `/healthz` (200 while the process runs) and `/readyz` (200 when
/// ready, 503 while starting or draining). Each connection is an ``HTTPConnectionMachine``; this type only moves
/// bytes and arms timers. Connections beyond `maxConnections` are closed at accept and counted.
final class MetricsEndpoint {
    struct Config {
        var address: SocketAddress
        var maxConnections: Int
        var http: HTTPConnectionConfig
    }

    private final class Session {
        let connection: TCPConnection
        var machine: HTTPConnectionMachine
        var timer: TimerHandle?
        var timerDeadline: UInt64?
        var waitingForDrain = false

        init(connection: TCPConnection, machine: HTTPConnectionMachine) {
            self.connection = connection
            self.machine = machine
        }
    }

    static let highWaterMark = 64 * 1024

    private let loop: EventLoop
    private let config: Config
    private let metrics: EndpointMetrics
    private let routes: HTTPEndpointRoutes
    private var listener: TCPListener?
    private var sessions: [ObjectIdentifier: Session] = [:]

    /// The bound address (with the real port when the configured one was 0).
    let localAddress: SocketAddress

    /// Binds the listener. `readiness` answers `/readyz`: nil when ready, else the reason it is not.
    init(
        loop: EventLoop, config: Config, registry: MetricsRegistry, readiness: @escaping () -> String?
    ) throws(RuntimeError) {
        self.loop = loop
        self.config = config
        let metrics = EndpointMetrics(registry: registry)
        self.metrics = metrics
        routes = HTTPEndpointRoutes([
            "/metrics": { _ in
                var response = HTTPResponse.text(.ok, registry.render(), contentType: PrometheusText.contentType)
                response.headers.add(name: "Cache-Control", value: "no-store")
                return response
            },
            "/healthz": { _ in .text(.ok, "ok\n") },
            "/readyz": { _ in
                if let reason = readiness() { return .text(.serviceUnavailable, "not ready: \(reason)\n") }
                return .text(.ok, "ready\n")
            },
        ])
        var accept: ((TCPConnection) -> Void)?
        let listener = try loop.listenTCP(config.address) { connection in accept?(connection) }
        self.listener = listener
        localAddress = listener.localAddress
        accept = { [weak self] connection in self?.accept(connection) }
    }

    /// Open connections.
    var connectionCount: Int { sessions.count }

    /// Closes the listener and every connection (at process exit).
    func close() {
        listener?.close()
        listener = nil
        for session in sessions.values { session.connection.close() }
    }

    private func accept(_ connection: TCPConnection) {
        guard sessions.count < config.maxConnections else {
            metrics.rejectedConnections.inc()
            connection.close()
            return
        }
        let machine = HTTPConnectionMachine(config: config.http, now: loop.nowNanoseconds()) { [routes, metrics] head in
            let response = routes.respond(to: head)
            metrics.countRequest(path: head.path, status: response.status.code)
            return response
        }
        // A client that keeps sending requests without reading the answers stops being read at 64 KiB queued.
        connection.highWaterMark = Self.highWaterMark
        let session = Session(connection: connection, machine: machine)
        let key = ObjectIdentifier(connection)
        sessions[key] = session
        metrics.openConnections.set(Double(sessions.count))
        connection.onRead = { [weak self, weak session] _, bytes in
            guard let self, let session else { return }
            self.apply(session.machine.receive(bytes, now: self.loop.nowNanoseconds()), to: session)
        }
        connection.onDrained = { [weak self, weak session] _ in
            guard let self, let session, session.waitingForDrain else { return }
            self.resume(session)
        }
        connection.onClose = { [weak self] _, _ in
            guard let self, let session = self.sessions.removeValue(forKey: key) else { return }
            if let timer = session.timer { self.loop.cancel(timer) }
            self.metrics.openConnections.set(Double(self.sessions.count))
        }
        armTimer(session, deadline: session.machine.nextDeadline)
    }

    private func resume(_ session: Session) {
        session.waitingForDrain = false
        session.connection.resumeReading()
        apply(session.machine.resume(now: loop.nowNanoseconds()), to: session)
    }

    private func apply(_ output: HTTPConnectionOutput, to session: Session) {
        let connection = session.connection
        if !output.bytes.isEmpty { connection.write(output.bytes) }
        if let event = output.event { metrics.countEvent(event) }
        switch output.close {
        case .now:
            connection.close()
            return
        case .afterWrite:
            connection.closeAfterFlush()
            armTimer(session, deadline: output.nextDeadline)
            return
        case .no:
            break
        }
        armTimer(session, deadline: output.nextDeadline)
        if output.morePending {
            // Local work before remote work: answer the buffered pipelined requests once the replies are flushed.
            session.waitingForDrain = true
            connection.pauseReading()
            if connection.queuedBytes == 0 {
                loop.schedule(afterNanoseconds: 0) { [weak self, weak session] in
                    guard let self, let session, session.waitingForDrain, !session.connection.isClosed else { return }
                    self.resume(session)
                }
            }
        }
    }

    private func armTimer(_ session: Session, deadline: UInt64?) {
        guard deadline != session.timerDeadline else { return }
        if let timer = session.timer { loop.cancel(timer) }
        session.timer = nil
        session.timerDeadline = deadline
        guard let deadline else { return }
        session.timer = loop.schedule(atNanoseconds: deadline) { [weak self, weak session] in
            guard let self, let session, !session.connection.isClosed else { return }
            session.timer = nil
            session.timerDeadline = nil
            self.apply(session.machine.timerFired(now: self.loop.nowNanoseconds()), to: session)
        }
    }
}

/// The endpoint's own metrics. Labels are bounded: `path` is one of the three routes or `other`.
struct EndpointMetrics {
    let requests: CounterFamily
    let errors: CounterFamily
    let openConnections: GaugeFamily
    let rejectedConnections: CounterFamily

    static let knownPaths: Set<String> = ["/metrics", "/healthz", "/readyz"]

    init(registry: MetricsRegistry) {
        do {
            requests = try registry.counter(
                "waystone_http_requests_total", help: "Requests answered by the metrics/health endpoint.",
                labelNames: ["path", "code"])
            errors = try registry.counter(
                "waystone_http_errors_total",
                help: "Metrics/health endpoint connections ended by a malformed request, a timeout or a buffer limit.",
                labelNames: ["reason"])
            openConnections = try registry.gauge(
                "waystone_http_connections", help: "Open connections to the metrics/health endpoint.")
            rejectedConnections = try registry.counter(
                "waystone_http_connections_rejected_total",
                help:
                    "Connections to the metrics/health endpoint closed at accept because metrics.maxConnections was reached."
            )
        } catch {
            // Names are constants checked by the tests; a failure here is a programming error.
            preconditionFailure("metrics endpoint registration: \(error)")
        }
    }

    func countRequest(path: String, status: Int) {
        let label = Self.knownPaths.contains(path) ? String(path.dropFirst()) : "other"
        requests.labels(label, String(status)).inc()
    }

    func countEvent(_ event: HTTPConnectionOutput.Event) {
        switch event {
        case .rejected(let error): errors.labels("rejected_\(error.status.code)").inc()
        case .timedOut: errors.labels("timeout").inc()
        case .bufferLimitExceeded: errors.labels("buffer_limit").inc()
        }
    }
}
