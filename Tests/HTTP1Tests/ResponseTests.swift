import Testing

@testable import HTTP1

@Suite("HTTPResponse rendering and routes")
struct ResponseTests {
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test("GET rendering with keep-alive")
    func getRendering() {
        let response = HTTPResponse.text(.ok, "ok\n")
        #expect(
            Self.text(response.render(forHEAD: false, keepAlive: true))
                == "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\n\r\nok\n")
    }

    @Test("HEAD keeps GET's Content-Length, sends no body; close and date")
    func headRendering() {
        let response = HTTPResponse.text(.ok, "hello")
        #expect(
            Self.text(response.render(forHEAD: true, keepAlive: false, date: "Sun, 06 Nov 1994 08:49:37 GMT"))
                == "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: 5\r\nConnection: close\r\n\r\n")
    }

    @Test("framing headers from the caller are replaced; unsafe headers dropped; 1.0 keep-alive announced")
    func sanitising() {
        let response = HTTPResponse(
            status: HTTPStatus(code: 204, reason: "No\r\nContent"),
            headers: [
                "Content-Length": "99", "connection": "upgrade", "X-Bad": "a\r\nInjected: 1", "Bad Name": "x",
                "X-Ok": "1",
            ],
            body: [])
        #expect(
            Self.text(response.render(forHEAD: false, keepAlive: true, announceKeepAlive: true))
                == "HTTP/1.1 204 NoContent\r\nX-Ok: 1\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n")
        let weird = HTTPResponse(status: HTTPStatus(code: 42, reason: "?"))
        #expect(
            Self.text(weird.render(forHEAD: false, keepAlive: true)).hasPrefix("HTTP/1.1 500 Internal Server Error\r\n")
        )
    }

    @Test("endpoint routes: 200, 404, 405 with Allow")
    func routes() {
        let routes = HTTPEndpointRoutes(["/healthz": { _ in .text(.ok, "ok\n") }])
        #expect(routes.respond(to: HTTPRequestHead(method: "GET", target: "/healthz?verbose")).status == .ok)
        #expect(routes.respond(to: HTTPRequestHead(method: "HEAD", target: "/healthz")).status == .ok)
        #expect(routes.respond(to: HTTPRequestHead(method: "GET", target: "/nope")).status == .notFound)
        let post = routes.respond(to: HTTPRequestHead(method: "POST", target: "/healthz"))
        #expect(post.status == .methodNotAllowed)
        #expect(post.headers["allow"] == "GET, HEAD")
    }
}
