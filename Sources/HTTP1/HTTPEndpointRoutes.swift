/// A fixed path table for a small GET/HEAD endpoint such as `/metrics`, `/healthz`, `/readyz`.
///
/// `GET` and `HEAD` on a known path call its handler (the connection machine drops the body for
/// `HEAD`); any other method on a known path gets 405 with `Allow: GET, HEAD`; an unknown path gets
/// 404. Paths match exactly, ignoring the query string.
public struct HTTPEndpointRoutes {
    /// Builds the response for a request to a known path.
    public typealias Handler = (HTTPRequestHead) -> HTTPResponse

    private let routes: [String: Handler]

    /// Creates the table from path → handler.
    public init(_ routes: [String: Handler]) {
        self.routes = routes
    }

    /// The response for `head`.
    public func respond(to head: HTTPRequestHead) -> HTTPResponse {
        guard let handler = routes[head.path] else {
            return .text(.notFound, "not found\n")
        }
        guard head.method == "GET" || head.method == "HEAD" else {
            var response = HTTPResponse.text(.methodNotAllowed, "method not allowed\n")
            response.headers.add(name: "Allow", value: "GET, HEAD")
            return response
        }
        return handler(head)
    }
}
