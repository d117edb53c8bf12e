/// Why a JSON document was rejected. `line` and `column` are 1-based (column counts bytes).
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case syntax
        /// `keyPath` is the dotted path of the repeated key, e.g. `metrics.listen`.
        case duplicateKey(keyPath: String)
        case tooDeep(limit: Int)
        case tooLarge(limit: Int)
    }

    public let kind: Kind
    public let line: Int
    public let column: Int
    public let message: String

    public var description: String {
        switch kind {
        case .tooLarge: return message
        default: return "line \(line), column \(column): \(message)"
        }
    }
}

/// A strict RFC 8259 parser producing `JSONValue`, with depth and size limits,
/// duplicate-key rejection and full `\u` escape handling (including surrogate pairs).
public struct JSONParser: Sendable {
    /// Maximum nesting depth of arrays and objects.
    public var maxDepth: Int
    /// Maximum document size in bytes.
    public var maxBytes: Int

    public init(maxDepth: Int = 32, maxBytes: Int = 1 << 20) {
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
    }

    /// Parses one JSON document; anything but whitespace after the value is an error.
    public func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        guard bytes.count <= maxBytes else {
            throw JSONParseError(
                kind: .tooLarge(limit: maxBytes), line: 1, column: 1,
                message: "document is larger than \(maxBytes) bytes")
        }
        var cursor = Cursor(bytes: bytes, maxDepth: maxDepth)
        cursor.skipWhitespace()
        let value = try cursor.parseValue(depth: 0, path: "")
        cursor.skipWhitespace()
        if cursor.index < bytes.count {
            throw cursor.error("unexpected trailing characters after the JSON value")
        }
        return value
    }

    /// Parses UTF-8 text.
    public func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

private struct Cursor {
    let bytes: [UInt8]
    let maxDepth: Int
    var index = 0

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    func error(_ message: String, at position: Int? = nil, kind: JSONParseError.Kind = .syntax) -> JSONParseError {
        let end = min(position ?? index, bytes.count)
        var line = 1
        var column = 1
        for b in bytes[0..<end] {
            if b == UInt8(ascii: "\n") { line += 1; column = 1 } else { column += 1 }
        }
        return JSONParseError(kind: kind, line: line, column: column, message: message)
    }

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while let b = peek, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { index += 1 }
    }

    func describe(_ b: UInt8?) -> String {
        guard let b else { return "end of input" }
        if b >= 0x21 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x" + String(b, radix: 16)
    }

    mutating func expect(_ literal: String, value: JSONValue) throws(JSONParseError) -> JSONValue {
        for b in literal.utf8 {
            guard peek == b else { throw error("invalid literal, expected '\(literal)'") }
            index += 1
        }
        return value
    }

    mutating func parseValue(depth: Int, path: String) throws(JSONParseError) -> JSONValue {
        switch peek {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1, path: path)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1, path: path)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try expect("true", value: .bool(true))
        case UInt8(ascii: "f"): return try expect("false", value: .bool(false))
        case UInt8(ascii: "n"): return try expect("null", value: .null)
        case let b? where b == UInt8(ascii: "-") || (b >= 0x30 && b <= 0x39): return try parseNumber()
        case let other: throw error("unexpected \(describe(other)), expected a JSON value")
        }
    }

    mutating func checkDepth(_ depth: Int) throws(JSONParseError) {
        if depth > maxDepth {
            throw error("nesting deeper than \(maxDepth) levels", kind: .tooDeep(limit: maxDepth))
        }
    }

    mutating func parseObject(depth: Int, path: String) throws(JSONParseError) -> JSONValue {
        try checkDepth(depth)
        index += 1  // {
        var members: [(key: String, value: JSONValue)] = []
        var seen = Set<String>()
        skipWhitespace()
        if peek == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw error("unexpected \(describe(peek)), expected a string key") }
            let keyStart = index
            let key = try parseString()
            let keyPath = path.isEmpty ? key : path + "." + key
            if !seen.insert(key).inserted {
                throw error("duplicate key \(keyPath)", at: keyStart, kind: .duplicateKey(keyPath: keyPath))
            }
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw error("unexpected \(describe(peek)), expected ':'") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth, path: keyPath)
            members.append((key: key, value: value))
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return .object(members)
            default: throw error("unexpected \(describe(peek)), expected ',' or '}'")
            }
        }
    }

    mutating func parseArray(depth: Int, path: String) throws(JSONParseError) -> JSONValue {
        try checkDepth(depth)
        index += 1  // [
        var items: [JSONValue] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth, path: "\(path)[\(items.count)]"))
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return .array(items)
            default: throw error("unexpected \(describe(peek)), expected ',' or ']'")
            }
        }
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        var integral = true
        if peek == UInt8(ascii: "-") { index += 1 }
        guard let first = peek, first >= 0x30 && first <= 0x39 else { throw error("invalid number: expected a digit") }
        if first == 0x30 {
            index += 1
            if let b = peek, b >= 0x30 && b <= 0x39 { throw error("invalid number: leading zero") }
        } else {
            skipDigits()
        }
        if peek == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard skipDigits() > 0 else { throw error("invalid number: expected a digit after '.'") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            integral = false
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard skipDigits() > 0 else { throw error("invalid number: expected a digit in the exponent") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if integral, let i = Int64(text) { return .number(.integer(i)) }
        guard let d = Double(text), d.isFinite else { throw error("number out of range", at: start) }
        return .number(.double(d))
    }

    @discardableResult
    mutating func skipDigits() -> Int {
        var n = 0
        while let b = peek, b >= 0x30 && b <= 0x39 { index += 1; n += 1 }
        return n
    }

    mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let b = peek else { throw error("unterminated \\u escape") }
            let d: UInt32
            switch b {
            case 0x30...0x39: d = UInt32(b - 0x30)
            case 0x41...0x46: d = UInt32(b - 0x41 + 10)
            case 0x61...0x66: d = UInt32(b - 0x61 + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            v = v << 4 | d
            index += 1
        }
        return v
    }

    mutating func parseString() throws(JSONParseError) -> String {
        let start = index
        index += 1  // opening quote
        var out: [UInt8] = []
        while true {
            guard let b = peek else { throw error("unterminated string", at: start) }
            switch b {
            case UInt8(ascii: "\""):
                index += 1
                guard let s = String(validating: out, as: UTF8.self) else {
                    throw error("string is not valid UTF-8", at: start)
                }
                return s
            case UInt8(ascii: "\\"):
                index += 1
                guard let e = peek else { throw error("unterminated escape") }
                index += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try parseHex4()
                    if code >= 0xD800 && code <= 0xDBFF {
                        guard peek == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u")
                        else {
                            throw error("unpaired high surrogate in \\u escape")
                        }
                        index += 2
                        let low = try parseHex4()
                        guard low >= 0xDC00 && low <= 0xDFFF else { throw error("invalid low surrogate in \\u escape") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if code >= 0xDC00 && code <= 0xDFFF {
                        throw error("unpaired low surrogate in \\u escape")
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))'", at: index - 2)
                }
            default:
                if b < 0x20 { throw error("unescaped control character in string") }
                out.append(b)
                index += 1
            }
        }
    }
}
