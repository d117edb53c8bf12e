import Foundation

/// Reads a JSON vector file that a test target copied from `shared/vectors/` into its `Vectors/` resources.
public enum VectorFile {
    public struct Missing: Error, CustomStringConvertible {
        public let name: String
        public var description: String { "Vectors/\(name).json is not in the test bundle" }
    }

    /// Decodes `Vectors/<name>.json` of `bundle` (pass the test target's `Bundle.module`).
    public static func decode<T: Decodable>(_ type: T.Type, named name: String, in bundle: Bundle) throws -> T {
        guard let url = bundle.url(forResource: name, withExtension: "json", subdirectory: "Vectors") else {
            throw Missing(name: name)
        }
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }
}
