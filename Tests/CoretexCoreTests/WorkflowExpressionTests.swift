import CoretexCore
import CoretexProtocol
import Foundation
import Testing

/// Parses JSON text into a `JSONValue` (tests only).
func json(_ text: String) -> JSONValue {
    guard let value = JSONValue.parse(Data(text.utf8)) else { fatalError("bad test JSON: \(text)") }
    return value
}

@Suite struct WorkflowExpressionTests {
    static let scope = json(#"{"foo":{"bar":10},"str":"hello","arr":[1,2,3]}"#)

    func eval(_ source: String, _ scope: JSONValue = Self.scope) throws -> JSONValue {
        try WorkflowExpression.evaluate(source, in: scope)
    }

    func error(_ source: String) -> ExpressionError? {
        do {
            _ = try WorkflowExpression(source)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Test vectors of the language (docs/workflows.md, "Expressions")

    @Test(arguments: [
        ("true", JSONValue.bool(true)),
        ("false", .bool(false)),
        ("42", .number(42)),
        ("'hi'", .string("hi")),
        ("foo.bar", .number(10)),
        ("str", .string("hello")),
        ("length(arr)", .number(3)),
        ("first(arr)", .number(1)),
        ("foo.bar == 10", .bool(true)),
        ("foo.bar > 5", .bool(true)),
        ("foo.bar < 5", .bool(false)),
        ("!false", .bool(true)),
    ])
    func contractVectors(source: String, expected: JSONValue) throws {
        #expect(try eval(source) == expected)
    }

    @Test func contractVectorWithItsOwnScope() throws {
        #expect(try eval("env.tier == 'prod'", json(#"{"env":{"tier":"prod"}}"#)) == .bool(true))
    }

    // MARK: Behaviour existing definitions rely on

    @Test func literalsAndPaths() throws {
        #expect(try eval("\"double\"") == .string("double"))
        #expect(try eval("-2.5e1") == .number(-25))
        #expect(try eval("  foo.bar  ") == .number(10))
        #expect(try eval("foo") == json(#"{"bar":10}"#))
        #expect(try eval("missing") == .null)
        #expect(try eval("foo.bar.baz") == .null)
        #expect(try eval("str.length") == .null)
    }

    @Test func functions() throws {
        #expect(try eval("length(foo)") == .number(1))
        #expect(try eval("length(str)") == .number(5))
        #expect(try eval("length('héllo')") == .number(6), "length counts bytes")
        #expect(try eval("length(missing)") == .number(0))
        #expect(try eval("length(foo.bar)") == .number(0))
        #expect(try eval("first(missing)") == .null)
        #expect(try eval("first(str)") == .null)
        #expect(try eval("length(first(x))", json(#"{"x":[[1,2],[3]]}"#)) == .number(2))
        #expect(try eval("length (arr)") == .number(3), "a space before ( is fine now")
    }

    @Test func comparisonsOfMixedTypes() throws {
        #expect(try eval("foo.bar == '10'") == .bool(true), "number vs numeric string: numeric")
        #expect(try eval("foo.bar >= 10") == .bool(true))
        #expect(try eval("foo.bar <= 9.5") == .bool(false))
        #expect(try eval("foo.bar != 10") == .bool(false))
        #expect(try eval("'5' == 5") == .bool(true), "string vs number: compared as text")
        #expect(try eval("'5' < 10") == .bool(false), "string vs number: no ordering")
        #expect(try eval("missing == null") == .bool(true))
        #expect(try eval("missing == other") == .bool(true))
        #expect(try eval("'true' == true") == .bool(true))
        #expect(try eval("str > 'hella'") == .bool(true), "strings compare byte-wise")
        #expect(try eval("'B' < 'a'") == .bool(true))
        #expect(try eval("'abc' <= 'abc'") == .bool(true))
        #expect(try eval("'abc' >= 'abd'") == .bool(false))
        #expect(try eval("true > false") == .bool(false), "no ordering outside numbers and strings")
        #expect(try eval("length(arr) == 3") == .bool(true))
    }

    @Test func truthiness() throws {
        let scope = json(#"{"e":"","z":0,"n":null,"o":{},"a":[],"s":"x","one":1}"#)
        for falsy in ["e", "z", "n", "missing", "false"] {
            #expect(try eval("!\(falsy)", scope) == .bool(true), "\(falsy) is falsy")
        }
        for truthy in ["o", "a", "s", "one", "true"] {
            #expect(try eval("!\(truthy)", scope) == .bool(false), "\(truthy) is truthy")
        }
        #expect(try WorkflowExpression("a").isTrue(in: scope))
    }

    // MARK: Weak spots closed: quoting, strict comparisons, operators, indexing

    @Test func quotesAreRespected() throws {
        #expect(try eval("str == 'a == b'") == .bool(false))
        #expect(try eval("x == 'a == b'", json(#"{"x":"a == b"}"#)) == .bool(true))
        #expect(try eval("'it\\'s' == x", json(#"{"x":"it's"}"#)) == .bool(true))
        #expect(try eval("'C:\\dir'") == .string("C:\\dir"), "unknown escapes stay as text")
        #expect(try eval("'a\\nb'") == .string("a\nb"))
    }

    @Test func numberAgainstNonNumberIsUnequalInsteadOfZero() throws {
        #expect(try eval("0 == missing") == .bool(false))
        #expect(try eval("0 == 'abc'") == .bool(false))
        #expect(try eval("0 != 'abc'") == .bool(true))
        #expect(try eval("1 == true") == .bool(false))
        #expect(try eval("0 == false") == .bool(false))
        #expect(try eval("foo.bar > missing") == .bool(false))
        #expect(try eval("foo.bar < 'abc'") == .bool(false))
    }

    @Test func nullEqualsOnlyNull() throws {
        #expect(try eval("'' == null") == .bool(false))
        #expect(try eval("'<nil>' == missing") == .bool(false))
        #expect(try eval("null != str") == .bool(true))
        #expect(try eval("null") == .null)
    }

    @Test func arraysAndObjectsCompareStructurally() throws {
        let scope = json(#"{"a":{"x":1,"y":[1,2]},"b":{"y":[1,2],"x":1},"c":{"x":2}}"#)
        #expect(try eval("a == b", scope) == .bool(true))
        #expect(try eval("a != c", scope) == .bool(true))
        #expect(try eval("a > c", scope) == .bool(false))
    }

    @Test func logicalOperatorsAndParentheses() throws {
        #expect(try eval("foo.bar > 5 && str == 'hello'") == .bool(true))
        #expect(try eval("foo.bar > 50 && str == 'hello'") == .bool(false))
        #expect(try eval("foo.bar > 50 || str == 'hello'") == .bool(true))
        #expect(try eval("false || false") == .bool(false))
        #expect(try eval("true || false && false") == .bool(true), "&& binds tighter than ||")
        #expect(try eval("(true || false) && false") == .bool(false))
        #expect(try eval("!(foo.bar == 10)") == .bool(false))
        #expect(try eval("(!str) == false") == .bool(true))
        #expect(try eval("!!str") == .bool(true))
        #expect(try eval("str && arr") == .bool(true), "&& gives a bool")
        #expect(try eval("foo.bar == 10 && !missing") == .bool(true))
    }

    @Test func indexing() throws {
        #expect(try eval("arr[0]") == .number(1))
        #expect(try eval("arr[2]") == .number(3))
        #expect(try eval("arr[3]") == .null)
        #expect(try eval("arr[-1]") == .null)
        #expect(try eval("arr[0.5]") == .null)
        #expect(try eval("foo['bar']") == .number(10))
        #expect(try eval("foo[\"bar\"] == 10") == .bool(true))
        #expect(try eval("arr[length(arr) == 3]") == .null, "a bool is no index")
        #expect(try eval("x[0][1]", json(#"{"x":[[1,2]]}"#)) == .number(2))
        #expect(try eval("steps['plan review'].output", json(#"{"steps":{"plan review":{"output":7}}}"#)) == .number(7))
    }

    @Test func forEachChildKeysStillWorkAsPaths() throws {
        // Children are recorded under "fan[0]"; `steps.fan[0].output` keeps working even
        // though `fan` itself (the parent) has an aggregated entry too.
        let scope = json(#"{"steps":{"fan":{"output":["a","b"]},"fan[0]":{"output":"child"}}}"#)
        #expect(try eval("steps.fan[0].output", scope) == .string("child"))
        #expect(try eval("steps.fan.output[1]", scope) == .string("b"))
    }

    @Test func keysMayContainDashesAndStartWithDigits() throws {
        let scope = json(#"{"steps":{"plan-review":{"output":1},"2nd":{"x":true},"0":"zero"}}"#)
        #expect(try eval("steps.plan-review.output", scope) == .number(1))
        #expect(try eval("steps.2nd.x", scope) == .bool(true))
        #expect(try eval("steps.0", scope) == .string("zero"))
    }

    // MARK: Errors name the problem and the column

    @Test(arguments: [
        ("", "empty expression", 1),
        ("   ", "empty expression", 1),
        ("a ==", "unexpected end of expression", 5),
        ("a = b", "unexpected '=' (use '==' to compare)", 3),
        ("a & b", "unexpected '&' (use '&&')", 3),
        ("a | b", "unexpected '|' (use '||')", 3),
        ("'abc", "unterminated string", 1),
        ("(a == b", "expected ')', found end of expression", 8),
        ("a == b)", "unexpected ')'", 7),
        ("a b", "unexpected 'b'", 3),
        ("arr[0", "expected ']', found end of expression", 6),
        ("a.", "expected a key after '.'", 3),
        ("a.'b'", "expected a key after '.'", 3),
        ("size(arr)", "unknown function 'size' (known: length, first)", 1),
        ("length()", "length() takes one argument", 8),
        ("length(a, b)", "length() takes one argument", 9),
        ("a == b == c", "comparisons cannot be chained ('==' after '=='); combine them with && or parentheses", 8),
        ("!a == b", "ambiguous '!' before '==': write !(a == b) or (!a) == b", 1),
        ("a # b", "unexpected character '#'", 3),
        ("1st", "invalid number '1st' (a key starting with a digit needs a '.' before it, as in steps.2nd)", 1),
        ("1e999", "number out of range '1e999'", 1),
        ("&& a", "unexpected '&&'", 1),
    ])
    func parseErrors(source: String, message: String, column: Int) {
        let e = error(source)
        #expect(e?.message == message, "\(source)")
        #expect(e?.column == column, "\(source)")
        #expect(e?.source == source)
    }

    @Test func errorDescriptionNamesColumnAndSource() {
        #expect(error("a == b)")?.description == "unexpected ')' at column 7 of `a == b)`")
    }

    @Test func parsedExpressionsAreReusable() throws {
        let e = try WorkflowExpression("x > 1")
        #expect(e.evaluate(in: json(#"{"x":2}"#)) == .bool(true))
        #expect(e.evaluate(in: json(#"{"x":0}"#)) == .bool(false))
        #expect(e.evaluate(in: .null) == .bool(false), "a non-object scope has no names")
        #expect(e.description == "x > 1")
    }
}
