/// A JSON value that keeps what `JSONSerialization` loses on Linux: object key order,
/// the difference between booleans and numbers, and exact integers.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    /// Members in document order. Keys are unique when produced by `JSONParser`.
    case object([(key: String, value: JSONValue)])

    /// Convenience for an exact integer.
    public static func integer(_ value: Int64) -> JSONValue { .number(.integer(value)) }

    /// The member named `key` of an object, or `nil`.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first(where: { $0.key == key })?.value
    }

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// A short human description of the value's type, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number(.integer): return "integer"
        case .number(.double): return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// A JSON number: integral literals that fit in `Int64` stay exact, everything else is a `Double`.
public enum JSONNumber: Sendable, Equatable {
    case integer(Int64)
    case double(Double)
}

// MARK: - Writing

extension JSONValue {
    /// Pretty JSON with two-space indentation, members in stored order, and a trailing newline.
    public func prettyPrinted() -> String {
        var out = ""
        write(to: &out, indent: 0, pretty: true)
        out.append("\n")
        return out
    }

    /// Single-line JSON without insignificant whitespace.
    public func compact() -> String {
        var out = ""
        write(to: &out, indent: 0, pretty: false)
        return out
    }

    private func write(to out: inout String, indent: Int, pretty: Bool) {
        switch self {
        case .null: out.append("null")
        case .bool(let b): out.append(b ? "true" : "false")
        case .number(.integer(let i)): out.append(String(i))
        case .number(.double(let d)):
            // The parser never produces non-finite values; render them as null rather than invalid JSON.
            out.append(d.isFinite ? "\(d)" : "null")
        case .string(let s): JSONEscaping.appendQuoted(s, to: &out)
        case .array(let items):
            if items.isEmpty { out.append("[]"); return }
            out.append("[")
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(",") }
                if pretty { newline(&out, indent + 1) }
                item.write(to: &out, indent: indent + 1, pretty: pretty)
            }
            if pretty { newline(&out, indent) }
            out.append("]")
        case .object(let members):
            if members.isEmpty { out.append("{}"); return }
            out.append("{")
            for (i, member) in members.enumerated() {
                if i > 0 { out.append(",") }
                if pretty { newline(&out, indent + 1) }
                JSONEscaping.appendQuoted(member.key, to: &out)
                out.append(pretty ? ": " : ":")
                member.value.write(to: &out, indent: indent + 1, pretty: pretty)
            }
            if pretty { newline(&out, indent) }
            out.append("}")
        }
    }

    private func newline(_ out: inout String, _ level: Int) {
        out.append("\n")
        out.append(String(repeating: "  ", count: level))
    }
}

/// String escaping shared by the JSON writer and the JSON log format.
public enum JSONEscaping {
    /// C0 and C1 controls, DEL, and the Unicode line and paragraph separators: never written raw.
    static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || s.value == 0x7F || (s.value >= 0x80 && s.value < 0xA0) || s.value == 0x2028
            || s.value == 0x2029
    }

    /// Appends `s` as a quoted JSON string. Escapes `"`, `\`, all C0 and C1 control characters, DEL and the
    /// Unicode line separators U+2028/U+2029 so the result never spans lines.
    public static func appendQuoted(_ s: String, to out: inout String) {
        out.append("\"")
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            case "\u{08}": out.append("\\b")
            case "\u{0C}": out.append("\\f")
            default:
                let v = scalar.value
                if isControl(scalar) {
                    out.append("\\u")
                    let hex = String(v, radix: 16, uppercase: false)
                    out.append(String(repeating: "0", count: 4 - hex.count))
                    out.append(hex)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out.append("\"")
    }

    /// `s` as a quoted JSON string.
    public static func quoted(_ s: String) -> String {
        var out = ""
        appendQuoted(s, to: &out)
        return out
    }
}
