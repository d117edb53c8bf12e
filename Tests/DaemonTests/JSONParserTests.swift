import Testing

@testable import Daemon

@Suite struct JSONParserTests {
    let parser = JSONParser()

    @Test func parsesValuesKeepingOrderAndExactIntegers() throws {
        let value = try parser.parse(#"{"b": 1, "a": [true, null, 1.5, -0, 9223372036854775807, 1e2], "c": "x"}"#)
        guard case .object(let members) = value else { Issue.record("not an object"); return }
        #expect(members.map(\.key) == ["b", "a", "c"])
        #expect(value["b"] == .integer(1))
        #expect(
            value["a"]
                == .array([
                    .bool(true), .null, .number(.double(1.5)), .integer(0),
                    .integer(Int64.max), .number(.double(100)),
                ]))
        #expect(value["c"] == .string("x"))
    }

    @Test func bigIntegersBecomeDoubles() throws {
        #expect(try parser.parse("9223372036854775808") == .number(.double(9223372036854775808)))
    }

    @Test func stringEscapesAndSurrogatePairs() throws {
        let value = try parser.parse(#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#)
        #expect(value == .string("a\"b\\c/d\n\té😀"))
    }

    @Test(arguments: [
        #""\ud83d""#, #""\ude00""#, #""\ud83dx""#, #""\x""#, "\"a\nb\"", #""abc"#,
        "01", "1.", "-", "1e", "+1", "tru", "[1,]", #"{"a":1,}"#, #"{"a" 1}"#, "[1 2]", "{1:2}", "",
        "NaN", "[1] x", "{} {}",
    ])
    func rejectsInvalidDocuments(_ text: String) {
        #expect(throws: JSONParseError.self) { try parser.parse(text) }
    }

    @Test func syntaxErrorsReportLineAndColumn() {
        do {
            _ = try parser.parse("{\n  \"a\": 1,\n  \"b\": ]\n}")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .syntax)
            #expect(error.line == 3)
            #expect(error.column == 8)
            #expect(error.description.hasPrefix("line 3, column 8: "))
        }
    }

    @Test func duplicateKeysNameTheKeyPath() {
        do {
            _ = try parser.parse(#"{"metrics": {"listen": "a", "listen": "b"}}"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .duplicateKey(keyPath: "metrics.listen"))
            #expect(error.description.contains("duplicate key metrics.listen"))
        }
    }

    @Test func depthAndSizeLimits() throws {
        let ok = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        _ = try parser.parse(ok)
        let deep = String(repeating: "[", count: 33) + String(repeating: "]", count: 33)
        #expect { try parser.parse(deep) } throws: { ($0 as? JSONParseError)?.kind == .tooDeep(limit: 32) }
        let small = JSONParser(maxDepth: 32, maxBytes: 4)
        #expect { try small.parse("12345") } throws: { ($0 as? JSONParseError)?.kind == .tooLarge(limit: 4) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try parser.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func prettyAndCompactRoundTrip() throws {
        let text = #"{"a":[1,2.5,"x\u0001\n"],"b":{},"c":[],"d":{"e":null,"f":false}}"#
        let value = try parser.parse(text)
        #expect(value.compact() == #"{"a":[1,2.5,"x\u0001\n"],"b":{},"c":[],"d":{"e":null,"f":false}}"#)
        #expect(try parser.parse(value.prettyPrinted()) == value)
        #expect(
            JSONValue.object([(key: "k", value: .array([.integer(1)]))]).prettyPrinted()
                == "{\n  \"k\": [\n    1\n  ]\n}\n")
    }
}
