/// One row of the configuration schema: a leaf key with its kind, default, documentation
/// and validator. Everything else (defaults, env names, docs, dumps) derives from these rows.
public struct ConfigKey: Sendable {
    /// The JSON shape of a value; also decides how an environment variable is parsed.
    public enum Kind: Sendable, Equatable {
        case string
        case integer(ClosedRange<Int64>)
        case boolean
        case stringList
    }

    /// Dotted key path, e.g. `metrics.listen`.
    public let path: String
    public let kind: Kind
    /// Human type for docs and errors, e.g. `"host:port" string` or `integer in 1...10000`.
    public let typeDescription: String
    public let defaultValue: JSONValue
    /// One-sentence description for the README table.
    public let doc: String
    /// True when a reload (SIGHUP) can apply a change without restarting.
    public let appliesAtRuntime: Bool
    /// Validates `value` and stores it into the config.
    let apply: @Sendable (JSONValue, inout WaystoneConfig) throws(ConfigValueError) -> Void
    /// Reads the key's current value out of a config.
    let encode: @Sendable (WaystoneConfig) -> JSONValue

    /// `WAYSTONE_` + the key path with dots as `_` and camelCase split into upper-case words.
    public var environmentName: String { Self.environmentName(for: path) }

    /// Derives `WAYSTONE_LIBP2P_ALLOW_PRIVATE_ADDRESSES` from `libp2p.allowPrivateAddresses`.
    public static func environmentName(for path: String) -> String {
        var out = "WAYSTONE_"
        for (i, segment) in path.split(separator: ".").enumerated() {
            if i > 0 { out.append("_") }
            var previousWasLowerOrDigit = false
            for ch in segment {
                if ch.isUppercase && previousWasLowerOrDigit { out.append("_") }
                out.append(contentsOf: ch.uppercased())
                previousWasLowerOrDigit = ch.isLowercase || ch.isNumber
            }
        }
        return out
    }

    /// Checks `value` without keeping it.
    func validate(_ value: JSONValue) throws(ConfigValueError) {
        var scratch = WaystoneConfig(blank: ())
        try apply(value, &scratch)
    }

    /// Converts an environment variable's text into a JSON value of this key's kind:
    /// lists are comma-separated (spaces trimmed, empty text = empty list), booleans are
    /// `true/false/1/0/yes/no`, integers are strict decimal.
    func parseEnvironment(_ text: String) throws(ConfigValueError) -> JSONValue {
        switch kind {
        case .string:
            return .string(text)
        case .integer(let range):
            guard let n = Self.strictInteger(text) else {
                throw ConfigValueError(message: "expected \(typeDescription), got \(JSONEscaping.quoted(text))")
            }
            guard range.contains(n) else {
                throw ConfigValueError(message: "expected \(typeDescription), got \(n)")
            }
            return .integer(n)
        case .boolean:
            switch text.lowercased() {
            case "true", "1", "yes": return .bool(true)
            case "false", "0", "no": return .bool(false)
            default: throw ConfigValueError(message: "expected true|false|1|0|yes|no, got \(JSONEscaping.quoted(text))")
            }
        case .stringList:
            let trimmed = Self.trimSpaces(Substring(text))
            if trimmed.isEmpty { return .array([]) }
            return .array(
                trimmed.split(separator: ",", omittingEmptySubsequences: false).map {
                    .string(String(Self.trimSpaces($0)))
                })
        }
    }

    static func strictInteger(_ text: String) -> Int64? {
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.utf8.count <= 19, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return nil
        }
        return Int64(text)
    }

    static func trimSpaces(_ s: Substring) -> Substring {
        var s = s
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return s
    }
}

// MARK: - Row builders

extension ConfigKey {
    /// A string-valued key whose text is parsed into `Value` (which may itself be `String`).
    static func text<Value: Sendable>(
        _ path: String, _ keyPath: any WritableKeyPath<WaystoneConfig, Value> & Sendable,
        type: String, default defaultText: String, runtime: Bool = false, doc: String,
        parse: @escaping @Sendable (String) -> Value?, render: @escaping @Sendable (Value) -> String
    ) -> ConfigKey {
        ConfigKey(
            path: path, kind: .string, typeDescription: type, defaultValue: .string(defaultText), doc: doc,
            appliesAtRuntime: runtime,
            apply: { (value, config) throws(ConfigValueError) in
                guard case .string(let s) = value, let parsed = parse(s) else {
                    throw ConfigValueError(message: "expected \(type), got \(value.compact())")
                }
                config[keyPath: keyPath] = parsed
            },
            encode: { .string(render($0[keyPath: keyPath])) })
    }

    /// An integer key limited to `range`.
    static func integer(
        _ path: String, _ keyPath: any WritableKeyPath<WaystoneConfig, Int> & Sendable,
        range: ClosedRange<Int64>, default defaultValue: Int64, runtime: Bool = false, doc: String
    ) -> ConfigKey {
        let type = "integer in \(range.lowerBound)...\(range.upperBound)"
        return ConfigKey(
            path: path, kind: .integer(range), typeDescription: type, defaultValue: .integer(defaultValue), doc: doc,
            appliesAtRuntime: runtime,
            apply: { (value, config) throws(ConfigValueError) in
                guard case .number(.integer(let n)) = value, range.contains(n), let int = Int(exactly: n) else {
                    throw ConfigValueError(message: "expected \(type), got \(value.compact())")
                }
                config[keyPath: keyPath] = int
            },
            encode: { .integer(Int64($0[keyPath: keyPath])) })
    }

    /// A boolean key.
    static func boolean(
        _ path: String, _ keyPath: any WritableKeyPath<WaystoneConfig, Bool> & Sendable,
        default defaultValue: Bool, runtime: Bool = false, doc: String
    ) -> ConfigKey {
        ConfigKey(
            path: path, kind: .boolean, typeDescription: "boolean", defaultValue: .bool(defaultValue), doc: doc,
            appliesAtRuntime: runtime,
            apply: { (value, config) throws(ConfigValueError) in
                guard case .bool(let b) = value else {
                    throw ConfigValueError(message: "expected boolean, got \(value.compact())")
                }
                config[keyPath: keyPath] = b
            },
            encode: { .bool($0[keyPath: keyPath]) })
    }

    /// A list of strings, each parsed into `Element`; errors name the element index.
    static func list<Element: Sendable>(
        _ path: String, _ keyPath: any WritableKeyPath<WaystoneConfig, [Element]> & Sendable,
        element: String, default defaultItems: [String], runtime: Bool = false, doc: String,
        parse: @escaping @Sendable (String) -> Element?, render: @escaping @Sendable (Element) -> String
    ) -> ConfigKey {
        ConfigKey(
            path: path, kind: .stringList, typeDescription: "list of \(element)",
            defaultValue: .array(defaultItems.map { .string($0) }), doc: doc, appliesAtRuntime: runtime,
            apply: { (value, config) throws(ConfigValueError) in
                guard case .array(let items) = value else {
                    throw ConfigValueError(message: "expected list of \(element), got \(value.compact())")
                }
                var parsed: [Element] = []
                for (i, item) in items.enumerated() {
                    guard case .string(let s) = item, let p = parse(s) else {
                        throw ConfigValueError(message: "expected \(element), got \(item.compact())", subpath: "[\(i)]")
                    }
                    parsed.append(p)
                }
                config[keyPath: keyPath] = parsed
            },
            encode: { .array($0[keyPath: keyPath].map { .string(render($0)) }) })
    }
}
