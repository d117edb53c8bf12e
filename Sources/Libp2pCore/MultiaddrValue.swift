import Wire

/// Text ↔ binary conversion and validation of multiaddr component values.
enum MultiaddrValue {
    // MARK: - Text → bytes

    /// Parses the text value of `proto` (not `.none`, not `.path`, which the caller handles).
    static func parse(_ text: Substring, for proto: MultiaddrProtocol) throws(MultiaddrError) -> [UInt8] {
        let invalid = MultiaddrError.invalidValue(protocol: proto.name)
        guard !text.isEmpty else { throw .missingValue(protocol: proto.name) }
        switch proto.kind {
        case .none, .path:
            throw invalid
        case .ip4:
            guard let b = parseIPv4(text) else { throw invalid }
            return b
        case .ip6:
            guard let b = parseIPv6(text) else { throw invalid }
            return b
        case .port:
            guard let n = parseDecimal(text, max: 65535) else { throw invalid }
            return [UInt8(n >> 8), UInt8(n & 0xFF)]
        case .ipcidr:
            guard let n = parseDecimal(text, max: 255) else { throw invalid }
            return [UInt8(n)]
        case .memory:
            guard let n = parseDecimal(text, max: .max) else { throw invalid }
            return (0..<8).map { UInt8(truncatingIfNeeded: n >> UInt64(56 - 8 * $0)) }
        case .name:
            return Array(text.utf8)
        case .p2p:
            do {
                return try PeerID(string: String(text)).bytes
            } catch {
                throw invalid
            }
        case .certhash:
            do {
                let decoded = try Multibase.decode(String(text), maxEncodedLength: Multiaddr.maxLength * 2).bytes
                _ = try Multihash(bytes: decoded)
                return decoded
            } catch {
                throw invalid
            }
        case .httpPath:
            guard let b = percentDecode(text), !b.isEmpty else { throw invalid }
            return b
        case .opaque:
            throw .unsupportedProtocol(proto.name)
        }
    }

    // MARK: - Binary validation and bytes → text

    /// Checks a binary value read for `proto` (framing already done).
    static func validate(_ value: [UInt8], for proto: MultiaddrProtocol) throws(MultiaddrError) {
        let invalid = MultiaddrError.invalidValue(protocol: proto.name)
        switch proto.kind {
        case .none, .ip4, .ip6, .port, .ipcidr, .memory:
            return  // fixed sizes are enforced by framing; every value is valid
        case .name:
            guard !value.isEmpty, !value.contains(UInt8(ascii: "/")), isValidUTF8(value) else { throw invalid }
        case .p2p:
            do { _ = try PeerID(multihashBytes: value) } catch { throw invalid }
        case .certhash:
            do { _ = try Multihash(bytes: value) } catch { throw invalid }
        case .path:
            guard value.count > 1, value.first == UInt8(ascii: "/"), isValidUTF8(value) else { throw invalid }
        case .httpPath:
            guard !value.isEmpty else { throw invalid }
        case .opaque:
            throw .unsupportedProtocol(proto.name)
        }
    }

    /// The text of a validated value.
    static func render(_ value: [UInt8], for proto: MultiaddrProtocol) -> String {
        switch proto.kind {
        case .none, .opaque:
            return ""
        case .ip4:
            return value.map { String($0) }.joined(separator: ".")
        case .ip6:
            return renderIPv6(value)
        case .port:
            return String(value.reduce(0) { $0 << 8 | Int($1) })
        case .ipcidr:
            return String(value.first ?? 0)
        case .memory:
            return String(value.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        case .name, .path:
            return String(decoding: value, as: UTF8.self)
        case .p2p:
            return Base58.encode(value)
        case .certhash:
            return Multibase.encode(value, as: .base64url)
        case .httpPath:
            return percentEncode(value)
        }
    }

    // MARK: - Helpers

    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        String(validating: bytes, as: UTF8.self) != nil
    }

    /// ASCII decimal digits only, at most 20 of them, value ≤ `max`.
    static func parseDecimal(_ text: Substring, max: UInt64) -> UInt64? {
        let u = text.utf8
        guard !u.isEmpty, u.count <= 20 else { return nil }
        var n: UInt64 = 0
        for c in u {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(c - UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            n = s
        }
        return n <= max ? n : nil
    }

    /// Dotted quad, each octet 0–255 without leading zeros.
    static func parseIPv4<S: StringProtocol>(_ text: S) -> [UInt8]? {
        guard text.utf8.count <= 15 else { return nil }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard p.utf8.count <= 3, !(p.utf8.count > 1 && p.utf8.first == UInt8(ascii: "0")),
                let n = parseDecimal(Substring(p), max: 255)
            else { return nil }
            out.append(UInt8(n))
        }
        return out
    }

    /// RFC 4291 text: up to 8 groups of 1–4 hex digits, one optional `::`, optional trailing dotted quad.
    static func parseIPv6(_ text: Substring) -> [UInt8]? {
        guard text.utf8.count <= 45, text.utf8.count >= 2 else { return nil }
        let left: Substring
        let right: Substring?
        if let r = doubleColon(in: text) {
            left = text[..<r]
            let rest = text[text.index(r, offsetBy: 2)...]
            guard doubleColon(in: rest) == nil else { return nil }
            right = rest
        } else {
            left = text
            right = nil
        }
        // The dotted quad, if any, may only be the last piece of the whole address.
        guard let head = parseGroups(left, allowIPv4: right == nil) else { return nil }
        var all: [UInt16]
        if let right {
            guard let tail = parseGroups(right, allowIPv4: true), head.count + tail.count <= 7 else { return nil }
            all = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard head.count == 8 else { return nil }
            all = head
        }
        var out: [UInt8] = []
        for g in all {
            out.append(UInt8(g >> 8))
            out.append(UInt8(g & 0xFF))
        }
        return out
    }

    private static func doubleColon(in text: Substring) -> Substring.Index? {
        var previous: Substring.Index? = nil
        for i in text.indices {
            if text[i] == ":" {
                if let previous { return previous }
                previous = i
            } else {
                previous = nil
            }
        }
        return nil
    }

    /// `g:g:…` (possibly empty), each 1–4 hex digits; the last piece may be a dotted quad.
    private static func parseGroups(_ text: Substring, allowIPv4: Bool) -> [UInt16]? {
        if text.isEmpty { return [] }
        let pieces = text.split(separator: ":", omittingEmptySubsequences: false)
        var groups: [UInt16] = []
        for (i, p) in pieces.enumerated() {
            if allowIPv4 && i == pieces.count - 1 && p.contains(".") {
                guard let v4 = parseIPv4(p) else { return nil }
                groups.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                groups.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                continue
            }
            guard !p.isEmpty, p.utf8.count <= 4, p.utf8.allSatisfy({ hexValue($0) != nil }),
                let g = UInt16(p, radix: 16)
            else { return nil }
            groups.append(g)
        }
        return groups
    }

    /// RFC 5952: lower-case, no leading zeros, the longest run (≥ 2) of zero groups as `::`;
    /// IPv4-mapped addresses as `::ffff:a.b.c.d` (as go-multiaddr prints them).
    static func renderIPv6(_ b: [UInt8]) -> String {
        guard b.count == 16 else { return "" }
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF {
            return "::ffff:" + b[12..<16].map { String($0) }.joined(separator: ".")
        }
        let groups = (0..<8).map { UInt16(b[2 * $0]) << 8 | UInt16(b[2 * $0 + 1]) }
        var bestStart = -1
        var bestLen = 0
        var i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLen && j - i >= 2 {
                    bestStart = i
                    bestLen = j - i
                }
                i = j
            } else {
                i += 1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        if bestStart < 0 { return hex.joined(separator: ":") }
        let left = hex[0..<bestStart].joined(separator: ":")
        let right = hex[(bestStart + bestLen)...].joined(separator: ":")
        return left + "::" + right
    }

    /// go `url.PathUnescape`: `%XX` → byte; a bad escape is an error.
    static func percentDecode(_ text: Substring) -> [UInt8]? {
        var out: [UInt8] = []
        let u = Array(text.utf8)
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "%") {
                guard i + 2 < u.count, let hi = hexValue(u[i + 1]), let lo = hexValue(u[i + 2]) else { return nil }
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(u[i])
                i += 1
            }
        }
        return out
    }

    /// go `url.PathEscape`: everything but unreserved characters and `$&+:=@` is escaped.
    static func percentEncode(_ bytes: [UInt8]) -> String {
        let keep = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~$&+:=@".utf8)
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for b in bytes {
            if keep.contains(b) {
                out.append(b)
            } else {
                out += [UInt8(ascii: "%"), digits[Int(b >> 4)], digits[Int(b & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
