import Foundation
import Metrics
import Testing

@testable import Daemon

/// README.md must document every config key exactly as the schema defines it (regenerate the table from
/// `ConfigSchema.markdownTable()` when a key changes: this test prints it on failure).
@Test func readmeDocumentsEveryConfigKey() throws {
    let readme = try String(contentsOfFile: repositoryRoot() + "/README.md", encoding: .utf8)
    let table = ConfigSchema.markdownTable()
    #expect(readme.contains(table), "README.md's config table is out of date; expected:\n\(table)")
}

/// README.md names every metric the daemon always exports.
@Test func readmeListsAlwaysExportedMetrics() throws {
    let readme = try String(contentsOfFile: repositoryRoot() + "/README.md", encoding: .utf8)
    let registry = MetricsRegistry()
    _ = ServerMetrics(registry: registry)
    _ = EndpointMetrics(registry: registry)
    _ = StunMetrics(registry: registry)
    _ = Libp2pMetrics(registry: registry)
    _ = KademliaMetrics(registry: registry)
    try ProcessMetrics.register(in: registry)
    let names = registry.render().split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map {
        String($0.split(separator: " ")[2])
    }
    #expect(names.count >= 12)
    for name in names {
        #expect(readme.contains("`\(name)`"), "README.md does not list \(name)")
    }
}
