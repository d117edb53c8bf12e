/// Header fields in the order received, with ASCII case-insensitive lookup by name.
public struct HTTPHeaders: Sendable, Equatable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    /// One field line.
    public typealias Element = (name: String, value: String)

    private var fields: [Element]

    /// Empty headers.
    public init() { fields = [] }

    /// Headers from `(name, value)` pairs, order kept.
    public init(_ fields: [(name: String, value: String)]) { self.fields = fields }

    /// Headers from a literal, order kept.
    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    public var startIndex: Int { fields.startIndex }
    public var endIndex: Int { fields.endIndex }
    public subscript(position: Int) -> Element { fields[position] }

    /// Appends a field line.
    public mutating func add(name: String, value: String) {
        fields.append((name: name, value: value))
    }

    /// Removes every field named `name` (case-insensitively).
    public mutating func remove(name: String) {
        fields.removeAll { Self.namesEqual($0.name, name) }
    }

    /// Replaces every field named `name` with one field.
    public mutating func replaceOrAdd(name: String, value: String) {
        remove(name: name)
        add(name: name, value: value)
    }

    /// The first value of the field named `name` (case-insensitively), if any.
    public subscript(name: String) -> String? {
        fields.first { Self.namesEqual($0.name, name) }?.value
    }

    /// Every value of the field named `name` (case-insensitively), in order.
    public func values(for name: String) -> [String] {
        fields.filter { Self.namesEqual($0.name, name) }.map(\.value)
    }

    /// Whether a field named `name` exists (case-insensitively).
    public func contains(name: String) -> Bool {
        fields.contains { Self.namesEqual($0.name, name) }
    }

    /// Whether any field named `name` holds `token` in its comma-separated list (both compared
    /// case-insensitively), as for `Connection: keep-alive, Upgrade`.
    public func containsToken(_ token: String, inField name: String) -> Bool {
        for value in values(for: name) {
            for element in Array(value.utf8).split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                var trimmed = element[...]
                while let first = trimmed.first, first == 0x20 || first == 0x09 { trimmed.removeFirst() }
                while let last = trimmed.last, last == 0x20 || last == 0x09 { trimmed.removeLast() }
                if Self.asciiEqualCaseInsensitive(trimmed, token.utf8) { return true }
            }
        }
        return false
    }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    static func namesEqual(_ lhs: String, _ rhs: String) -> Bool {
        asciiEqualCaseInsensitive(lhs.utf8, rhs.utf8)
    }

    static func asciiEqualCaseInsensitive(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return zip(lhs, rhs).allSatisfy { asciiLower($0) == asciiLower($1) }
    }

    static func asciiLower(_ byte: UInt8) -> UInt8 {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) ? byte | 0x20 : byte
    }
}
