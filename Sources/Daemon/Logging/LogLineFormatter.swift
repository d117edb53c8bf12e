/// Renders one log event as a single line (no trailing newline) in logfmt or JSON.
/// No input can make a line span several lines: control characters are always escaped.
public enum LogLineFormatter {
    /// `ts=… level=info msg=listener.started key=value`, quoting values that are empty or contain
    /// spaces, `=`, `"`, `\` or control characters.
    public static func logfmt(timestamp: String, level: LogLevel, event: String, fields: [(String, String)]) -> String {
        var out = "ts=" + timestamp + " level=" + level.name + " msg="
        appendLogfmtValue(event, to: &out)
        for (key, value) in fields {
            out.append(" ")
            out.append(sanitizedKey(key))
            out.append("=")
            appendLogfmtValue(value, to: &out)
        }
        return out
    }

    /// `{"ts":"…","level":"info","msg":"…","key":"value"}`.
    public static func json(timestamp: String, level: LogLevel, event: String, fields: [(String, String)]) -> String {
        var out = "{\"ts\":\"" + timestamp + "\",\"level\":\"" + level.name + "\",\"msg\":"
        JSONEscaping.appendQuoted(event, to: &out)
        for (key, value) in fields {
            out.append(",")
            JSONEscaping.appendQuoted(key, to: &out)
            out.append(":")
            JSONEscaping.appendQuoted(value, to: &out)
        }
        out.append("}")
        return out
    }

    /// Keys keep `[A-Za-z0-9_.-]`; anything else becomes `_` (an empty key becomes `_`).
    static func sanitizedKey(_ key: String) -> String {
        if key.isEmpty { return "_" }
        var out = ""
        for scalar in key.unicodeScalars {
            let ok =
                (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z")
                || (scalar >= "0" && scalar <= "9") || scalar == "_" || scalar == "." || scalar == "-"
            out.unicodeScalars.append(ok ? scalar : "_")
        }
        return out
    }

    static func needsQuoting(_ value: String) -> Bool {
        if value.isEmpty { return true }
        return value.unicodeScalars.contains { s in
            s == " " || s == "=" || s == "\"" || s == "\\" || JSONEscaping.isControl(s)
        }
    }

    /// Bare when safe, else quoted with the JSON escapes (which logfmt readers accept), so a value never spans lines.
    static func appendLogfmtValue(_ value: String, to out: inout String) {
        guard needsQuoting(value) else { out.append(value); return }
        JSONEscaping.appendQuoted(value, to: &out)
    }
}
