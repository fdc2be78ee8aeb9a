import CoretexCore
import CoretexProtocol
import Testing

@Suite struct WorkflowTemplateTests {
    static let scope = json(
        #"""
        {"input":{"foo":"bar","n":1000000,"half":0.5,"flag":true,"obj":{"b":2,"a":[1,"x"]}},
         "steps":{"plan":{"output":{"response":"do it"}}}}
        """#)

    func render(_ template: JSONValue) throws -> JSONValue {
        try StepTemplate.render(template, in: Self.scope)
    }

    @Test func contractDataflowVector() throws {
        // dataflow_test.go: run input {"foo":"bar"}.
        let scope = json(#"{"input":{"foo":"bar"},"steps":{}}"#)
        let template = json(#"{"foo":"${input.foo}","msg":"hello ${input.foo}"}"#)
        #expect(try StepTemplate.render(template, in: scope) == json(#"{"foo":"bar","msg":"hello bar"}"#))
    }

    @Test func aLoneExpressionKeepsItsType() throws {
        #expect(try render(.string("${input.obj}")) == json(#"{"b":2,"a":[1,"x"]}"#))
        #expect(try render(.string("${input.n}")) == .number(1_000_000))
        #expect(try render(.string("  ${ input.flag }  ")) == .bool(true), "surrounding whitespace is trimmed")
        #expect(try render(.string("${missing}")) == .null)
        #expect(try render(.string("${steps.plan.output.response}")) == .string("do it"))
    }

    @Test func interpolationRendersValuesAsText() throws {
        #expect(try render(.string("n=${input.n}")) == .string("n=1000000"), "not Go's 1e+06")
        #expect(try render(.string("h=${input.half}")) == .string("h=0.5"))
        #expect(try render(.string("f=${input.flag}")) == .string("f=true"))
        #expect(try render(.string("[${missing}]")) == .string("[]"), "null renders empty")
        #expect(try render(.string("o=${input.obj}")) == .string(#"o={"a":[1,"x"],"b":2}"#), "JSON, sorted keys")
        #expect(try render(.string("${input.foo}${input.foo}")) == .string("barbar"))
        #expect(try render(.string("${input.foo} and ${input.n}")) == .string("bar and 1000000"))
    }

    @Test func textWithoutTemplatesIsUntouched() throws {
        #expect(try render(.string("cost $5 {not a template}")) == .string("cost $5 {not a template}"))
        #expect(try render(.string("$${input.foo}")) == .string("$bar"))
    }

    @Test func bracesInsideQuotesDoNotEndTheExpression() throws {
        #expect(try render(.string("${input.foo == '}'}")) == .bool(false))
        #expect(try render(.string("x${'}'}y")) == .string("x}y"))
    }

    @Test func nestedStructuresAreWalkedAndOtherScalarsPassThrough() throws {
        let template = json(
            #"""
            {"list":["${input.foo}", 3, null, {"deep":"${input.n}"}], "${input.foo}": false}
            """#)
        #expect(try render(template) == json(#"{"list":["bar",3,null,{"deep":1000000}],"${input.foo}":false}"#))
    }

    @Test func unterminatedExpressionIsAnError() {
        #expect(
            throws: TemplateError(
                field: "", message: "unterminated template expression (missing '}')", column: 7, text: "hello ${input.foo")
        ) {
            _ = try StepTemplate("hello ${input.foo")
        }
    }

    @Test func errorsNameTheFieldAndTheColumnInTheString() {
        let template = json(#"{"a":{"list":["ok","x ${input.foo ==}"]},"b":"${}"}"#)
        let problems = StepTemplate.problems(in: template)
        #expect(problems.map(\.field) == ["a.list[1]", "b"])
        #expect(problems[0].message == "unexpected end of expression")
        #expect(problems[0].column == 17)
        #expect(problems[1].message == "empty expression")
        #expect(problems[0].description == #"a.list[1]: unexpected end of expression at column 17 of "x ${input.foo ==}""#)
        #expect(throws: TemplateError.self) { _ = try StepTemplate.render(template, in: Self.scope) }
    }

    @Test func templatesAreParsedOnce() throws {
        let t = try StepTemplate("a ${x} b")
        #expect(!t.isSingleExpression)
        #expect(t.parts.count == 3)
        #expect(t.render(in: json(#"{"x":1}"#)) == .string("a 1 b"))
        #expect(try StepTemplate(" ${x} ").isSingleExpression)
        #expect(try !StepTemplate("${x}${y}").isSingleExpression)
    }
}
