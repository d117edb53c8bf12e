import HTTP1
import Metrics
import Testing
import WaystoneRuntime

@testable import Daemon

#if canImport(Glibc)
    import Glibc
#endif

/// A `MetricsEndpoint` on 127.0.0.1:0 served by a loop on a background thread.
final class EndpointFixture {
    let runner: LoopRunner
    let registry = MetricsRegistry()
    let things: CounterFamily
    /// What readiness answers (nil: ready).
    let notReady = Locked<String?>("starting")
    let endpoint: MetricsEndpoint
    let port: UInt16

    init(maxConnections: Int = 8, readTimeoutMilliseconds: UInt64 = 10_000) throws {
        runner = try LoopRunner()
        things = try registry.counter("test_things_total", help: "Things counted by the test.")
        things.inc(by: 3)
        var http = HTTPConnectionConfig()
        http.readTimeoutNanoseconds = readTimeoutMilliseconds * 1_000_000
        let notReady = self.notReady
        endpoint = try MetricsEndpoint(
            loop: runner.loop,
            config: .init(address: try SocketAddress.parse("127.0.0.1:0"), maxConnections: maxConnections, http: http),
            registry: registry, readiness: { notReady.value })
        port = endpoint.localAddress.port
        runner.start()
    }

    func stop() {
        #expect(runner.stop(), "endpoint loop thread did not stop")
        #expect(runner.runError == nil)
    }

    func connect() throws -> BlockingClient { try #require(BlockingClient(port: port)) }

    func value(_ series: String) -> Double? { sampleValue(registry.render(), series) }
}

func request(_ method: String, _ path: String, close: Bool = false) -> String {
    "\(method) \(path) HTTP/1.1\r\nHost: test\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n"
}

@Suite struct MetricsEndpointTests {
    @Test func getMetricsServesPrometheusText() throws {
        let f = try EndpointFixture()
        defer { f.stop() }
        #expect(f.port != 0)
        let reply = try #require(get("/metrics", port: f.port))
        #expect(reply.status == 200)
        let contentType = try #require(reply.header("Content-Type"))
        #expect(contentType.hasPrefix("text/plain; version=0.0.4"))
        #expect(contentType == PrometheusText.contentType)
        #expect(reply.header("Cache-Control") == "no-store")
        #expect(reply.body.contains("# TYPE test_things_total counter\n"))
        #expect(reply.body.contains("\ntest_things_total 3\n"))
        #expect(reply.header("Content-Length") == String(reply.body.utf8.count))
    }

    @Test func headMetricsHasHeadersButNoBody() throws {
        let f = try EndpointFixture()
        defer { f.stop() }
        _ = try #require(get("/metrics", port: f.port))  // so the request counter line exists in both renders
        let client = try f.connect()
        client.send(request("HEAD", "/metrics"))
        let head = try #require(client.readResponse(isHead: true))
        #expect(head.status == 200)
        #expect(head.header("Content-Type") == PrometheusText.contentType)
        // No body follows the HEAD response: nothing arrives, and the next response starts right away.
        #expect(client.readMore(timeout: 0.2) == .timeout)
        #expect(client.buffer.isEmpty)
        client.send(request("GET", "/metrics"))
        let full = try #require(client.readResponse())
        #expect(full.status == 200)
        // Counter values went 1 -> 2 between the renders: same digit count, same length.
        #expect(head.header("Content-Length") == full.header("Content-Length"))
        #expect(head.header("Content-Length") == String(full.body.utf8.count))
    }

    @Test func healthzIsAlways200() throws {
        let f = try EndpointFixture()
        defer { f.stop() }
        let reply = try #require(get("/healthz", port: f.port))
        #expect(reply.status == 200)
        #expect(reply.body == "ok\n")
    }

    @Test func readyzFollowsReadiness() throws {
        let f = try EndpointFixture()
        defer { f.stop() }
        let starting = try #require(get("/readyz", port: f.port))
        #expect(starting.status == 503)
        #expect(starting.body.contains("starting"))
        f.notReady.value = nil
        let ready = try #require(get("/readyz", port: f.port))
        #expect(ready.status == 200)
        #expect(ready.body == "ready\n")
        f.notReady.value = "draining"
        let draining = try #require(get("/readyz", port: f.port))
        #expect(draining.status == 503)
        #expect(draining.body.contains("draining"))
        #expect(f.value(#"waystone_http_requests_total{path="readyz",code="503"}"#) == 2)
        #expect(f.value(#"waystone_http_requests_total{path="readyz",code="200"}"#) == 1)
    }

    @Test func keepAliveAnswersSeveralRequestsOnOneConnection() throws {
        let f = try EndpointFixture()
        defer { f.stop() }
        let client = try f.connect()
        client.send(request("GET", "/healthz"))
        #expect(client.readResponse()?.status == 200)
        client.send(request("GET", "/metrics"))
        let second = try #require(client.readResponse())
        #expect(second.status == 200)
        #expect(second.body.contains("test_things_total 3"))
        client.send(request("GET", "/readyz", close: true))
        #expect(client.readResponse()?.status == 503)
        #expect(client.waitForClose(timeout: 2), "Connection: close was not honoured")
        #expect(f.value(#"waystone_http_requests_total{path="healthz",code="200"}"#) == 1)
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let f = try EndpointFixture()
        defer { f.stop() }
        let client = try f.connect()
        client.send(request("GET", "/healthz") + request("GET", "/readyz"))
        let first = try #require(client.readResponse())
        let second = try #require(client.readResponse())
        #expect(first.status == 200)
        #expect(first.body == "ok\n")
        #expect(second.status == 503)
    }

    /// More pipelined requests than `maxResponsesPerTurn` (16): the rest are answered after the replies drain.
    @Test func manyPipelinedRequestsAreAllAnsweredInOrder() throws {
        let f = try EndpointFixture()
        defer { f.stop() }
        let client = try f.connect()
        var batch = ""
        for i in 0..<40 { batch += request("GET", i % 2 == 0 ? "/healthz" : "/nope-\(i)") }
        client.send(batch)
        for i in 0..<40 {
            let reply = try #require(client.readResponse(), "reply \(i) missing")
            #expect(reply.status == (i % 2 == 0 ? 200 : 404), "reply \(i)")
        }
        #expect(f.value(#"waystone_http_requests_total{path="healthz",code="200"}"#) == 20)
        #expect(f.value(#"waystone_http_requests_total{path="other",code="404"}"#) == 20)
    }

    @Test func malformedRequestIs400AndCloses() throws {
        let f = try EndpointFixture()
        defer { f.stop() }
        let client = try f.connect()
        client.send("THIS IS NOT HTTP\r\n\r\n")
        let reply = try #require(client.readResponse())
        #expect(reply.status == 400)
        #expect(client.waitForClose(timeout: 2), "connection stayed open after a 400")
        #expect(waitUntil(timeout: 2) { f.value(#"waystone_http_errors_total{reason="rejected_400"}"#) == 1 })
    }

    @Test func queryStringIsIgnoredForRoutingAndLabels() throws {
        let f = try EndpointFixture()
        defer { f.stop() }
        let reply = try #require(get("/metrics?name%5B%5D=x", port: f.port))
        #expect(reply.status == 200)
        #expect(reply.body.contains("test_things_total 3"))
        #expect(f.value(#"waystone_http_requests_total{path="metrics",code="200"}"#) == 1)
        #expect(!f.registry.render().contains("name%5B"), "request data must not become a label value")
    }

    @Test func headOfReadyzAndHealthz() throws {
        let f = try EndpointFixture()
        defer { f.stop() }
        let client = try f.connect()
        client.send(request("HEAD", "/readyz"))
        let readyz = try #require(client.readResponse(isHead: true))
        #expect(readyz.status == 503)
        #expect(readyz.header("Content-Length") == String("not ready: starting\n".utf8.count))
        client.send(request("HEAD", "/healthz"))
        let healthz = try #require(client.readResponse(isHead: true))
        #expect(healthz.status == 200)
        #expect(healthz.header("Content-Length") == "3")
        #expect(client.readMore(timeout: 0.1) == .timeout)
        #expect(client.buffer.isEmpty)
    }

    @Test func unknownPathIs404() throws {
        let f = try EndpointFixture()
        defer { f.stop() }
        let reply = try #require(get("/metrics/extra", port: f.port))
        #expect(reply.status == 404)
        let other = try #require(get("/", port: f.port))
        #expect(other.status == 404)
        #expect(f.value(#"waystone_http_requests_total{path="other",code="404"}"#) == 2)
    }

    @Test func postIs405WithAllow() throws {
        let f = try EndpointFixture()
        defer { f.stop() }
        let reply = try #require(
            httpRequest(
                port: f.port, "POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
        #expect(reply.status == 405)
        let allow = try #require(reply.header("Allow"))
        #expect(allow.contains("GET"))
        #expect(allow.contains("HEAD"))
    }

    @Test func requestsAreCountedByPathAndCode() throws {
        let f = try EndpointFixture()
        defer { f.stop() }
        let series = #"waystone_http_requests_total{path="metrics",code="200"}"#
        let first = try #require(get("/metrics", port: f.port))
        // The counter is bumped after the body is rendered, so the first scrape does not see itself.
        #expect(sampleValue(first.body, series) == nil)
        let second = try #require(get("/metrics", port: f.port))
        #expect(sampleValue(second.body, series) == 1)
        #expect(f.value(series) == 2)
    }

    @Test func connectionsBeyondMaxAreClosedAtAccept() throws {
        let f = try EndpointFixture(maxConnections: 2)
        defer { f.stop() }
        let rejected = "waystone_http_connections_rejected_total"
        #expect(f.value(rejected) == 0)
        let first = try f.connect()
        let second = try f.connect()
        // Both are sessions once each got an answer.
        for client in [first, second] {
            client.send(request("GET", "/healthz"))
            #expect(client.readResponse()?.status == 200)
        }
        #expect(f.value("waystone_http_connections") == 2)
        let third = try f.connect()
        third.send(request("GET", "/healthz"))
        #expect(third.waitForClose(timeout: 2), "third connection was not closed")
        #expect(third.buffer.isEmpty, "third connection got an answer")
        #expect(waitUntil(timeout: 2) { f.value(rejected) == 1 })
        // The first two still work.
        first.send(request("GET", "/healthz"))
        #expect(first.readResponse()?.status == 200)
        // Closing one frees a slot.
        second.send(request("GET", "/healthz", close: true))
        #expect(second.readResponse()?.status == 200)
        #expect(second.waitForClose(timeout: 2))
        #expect(waitUntil(timeout: 2) { f.value("waystone_http_connections") == 1 })
        let fourth = try f.connect()
        fourth.send(request("GET", "/healthz"))
        #expect(fourth.readResponse()?.status == 200)
        #expect(f.value(rejected) == 1)
    }

    @Test func slowClientIsClosedAfterReadTimeout() throws {
        let f = try EndpointFixture(readTimeoutMilliseconds: 300)
        defer { f.stop() }
        let client = try f.connect()
        let start = monotonicSeconds()
        client.send("GET /metrics HTTP/1.1\r\nHost: te")
        let closed = client.waitForClose(timeout: 3)
        let elapsed = monotonicSeconds() - start
        #expect(closed, "slow client was not closed")
        #expect(elapsed >= 0.25)
        #expect(elapsed < 2.5)
        if !client.buffer.isEmpty {
            // A 408 is fine; a 200 would mean the half request was answered.
            #expect(BlockingClient.parse(client.buffer, isHead: false)?.0.status == 408)
        }
        #expect(waitUntil(timeout: 2) { f.value(#"waystone_http_errors_total{reason="timeout"}"#) == 1 })
        #expect(waitUntil(timeout: 2) { f.value("waystone_http_connections") == 0 })
    }

    @Test func silentClientIsClosedAfterReadTimeout() throws {
        let f = try EndpointFixture(readTimeoutMilliseconds: 300)
        defer { f.stop() }
        let client = try f.connect()
        #expect(client.waitForClose(timeout: 3), "a client that never sends was not closed")
    }
}
