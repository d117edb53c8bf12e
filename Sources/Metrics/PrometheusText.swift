/// Formatting helpers for the Prometheus text exposition format 0.0.4.
public enum PrometheusText {
    /// The `Content-Type` to serve the rendered text with.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Formats a sample value or an `le` bound the way Prometheus client libraries do:
    /// `+Inf`, `-Inf`, `NaN`; integral values below 2^53 without a fraction (`3`, `-2`, `0`);
    /// everything else as the shortest decimal that round-trips (`0.005`, `2.5`, `1e-05`, `1e+20`).
    public static func formatValue(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        if value == value.rounded(.towardZero), abs(value) < 9_007_199_254_740_992 {
            return String(Int64(value))
        }
        return value.description
    }

    /// Escapes `# HELP` text: backslash as `\\`, newline as `\n`.
    public static func escapeHelp(_ text: String) -> String {
        escape(text, quotes: false)
    }

    /// Escapes a label value: backslash as `\\`, double quote as `\"`, newline as `\n`.
    public static func escapeLabelValue(_ text: String) -> String {
        escape(text, quotes: true)
    }

    private static func escape(_ text: String, quotes: Bool) -> String {
        let special: (UInt8) -> Bool = {
            $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\n") || (quotes && $0 == UInt8(ascii: "\""))
        }
        guard text.utf8.contains(where: special) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"" where quotes: out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Appends one sample line: `name{a="x",b="y"} value\n`.
    static func appendSample(
        to out: inout String, name: String, labelNames: [String], labelValues: [String],
        extraLabel: (name: String, value: String)? = nil, value: Double
    ) {
        out += name
        if !labelNames.isEmpty || extraLabel != nil {
            out += "{"
            var first = true
            for (labelName, labelValue) in zip(labelNames, labelValues) {
                if !first { out += "," }
                first = false
                out += labelName
                out += "=\""
                out += escapeLabelValue(labelValue)
                out += "\""
            }
            if let extraLabel {
                if !first { out += "," }
                out += extraLabel.name
                out += "=\""
                out += escapeLabelValue(extraLabel.value)
                out += "\""
            }
            out += "}"
        }
        out += " "
        out += formatValue(value)
        out += "\n"
    }

    /// Orders label-value tuples lexicographically, element by element (by Unicode scalar values,
    /// so the order does not depend on locale).
    static func labelsPrecede(_ lhs: [String], _ rhs: [String]) -> Bool {
        for (left, right) in zip(lhs, rhs) where left != right {
            return left.unicodeScalars.lexicographicallyPrecedes(right.unicodeScalars)
        }
        return lhs.count < rhs.count
    }
}
