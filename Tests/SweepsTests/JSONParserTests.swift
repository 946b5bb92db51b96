import Foundation
import Reporting
import Sweeps
import Testing

/// The JSON reader behind sweep files and tables: order kept, every value kind, errors with positions, no trap.
@Suite struct JSONParserTests {
    @Test func readsEveryKindInOrder() throws {
        let value = try JSONValue(parsing: #" {"b": [1, -2.5e3, 18446744073709551615, true, false, null], "a": {"x": "q\"\\\/\n\u00e9\ud83d\ude00"}} "#)
        #expect(value.objectMembers?.map(\.0) == ["b", "a"])
        #expect(value["b"] == .array([.integer(1), .number(-2500), .unsigned(UInt64.max), .bool(true), .bool(false), .null]))
        #expect(value["a"]?["x"]?.stringValue == "q\"\\/\né😀")
        // What the writer writes, the reader reads back.
        let written: JSONValue = .object([("t", .numbers([0, 0.1, 1e-300])), ("s", "a,b"), ("n", .null)])
        #expect(try JSONValue(parsing: written.serialized()) == written)
    }

    @Test(arguments: [
        ("", "unexpected end"), ("{", "expected a string key"), (#"{"a" 1}"#, "expected ':'"), (#"{"a": 1,}"#, "expected a string key"),
        ("[1 2]", "expected ','"), ("01", "leading zero"), ("1.", "no digit after"), ("1e", "exponent"), ("1e999", "outside the range"),
        (#""abc"#, "unterminated"), ("\"a\u{01}\"", "control character"), (#""\x""#, "invalid escape"), (#""\ud800""#, "surrogate"),
        ("tru", "expected a JSON value"), ("[1] 2", "after the JSON value"), (#"{"a": 1, "a": 2}"#, "duplicate key"),
        (String(repeating: "[", count: 10_000), "deeper than"),
    ])
    func malformedTextIsAnError(_ text: String, _ reason: String) {
        do {
            _ = try JSONValue(parsing: text)
            Issue.record("accepted \(text.prefix(20))")
        } catch let error as JSONParseError {
            #expect(error.description.contains(reason), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func errorsSayWhere() {
        #expect(throws: JSONParseError(message: "expected ',' or '}' in an object", line: 2, column: 3)) {
            try JSONValue(parsing: "{\"a\": 1\n  \"b\": 2}")
        }
    }

    @Test func resultPaths() throws {
        let document = try JSONValue(parsing: #"{"theory": {"eg": [0.5, 0.2, null], "R": [[[1, 2]], [[3, 4]]]}, "t": [0, 1, 2]}"#)
        #expect(try ResultPath("theory.eg[0]").value(in: document) == .number(0.5))
        #expect(try ResultPath("theory.R[-1][0][1]").value(in: document) == .integer(4))
        #expect(try ResultPath("t[-1]").value(in: document) == .integer(2))
        #expect(try ResultPath("theory.missing").value(in: document) == nil)
        #expect(try ResultPath("t[5]").value(in: document) == nil)
        #expect(throws: SweepError.self) { try ResultPath("theory..eg") }
        #expect(throws: SweepError.self) { try ResultPath("theory.eg[x]") }
    }
}
