import CoretexCore
import Foundation
import Testing

/// Rule files: parsing, errors, and how later files override earlier ones.
@Suite struct SastRuleFileTests {
    @Test func parsesFieldsAndDefaults() throws {
        let set = try SastRuleSet.parse(
            yaml: #"""
                rules:
                  - id: x.one
                    severity: High
                    message: one
                    pattern: 'a\d+'
                    languages: Python
                  - id: x.two
                    severity: low
                    message: two
                    pattern: 'b'
                    languages: [Go, rust]
                    ignore_case: yes
                    min_entropy: 2.5
                    secret: true
                """#, source: "a.yaml")
        #expect(
            set.rules == [
                SastRule(id: "x.one", severity: "high", message: "one", pattern: #"a\d+"#, languages: ["python"]),
                SastRule(
                    id: "x.two", severity: "low", message: "two", pattern: "b", languages: ["go", "rust"],
                    ignoreCase: true, minEntropy: 2.5, secret: true),
            ])
    }

    @Test func emptyFilesAreEmptySets() throws {
        #expect(try SastRuleSet.parse(yaml: "", source: "e.yaml").rules.isEmpty)
        #expect(try SastRuleSet.parse(yaml: "# nothing yet\n", source: "e.yaml").rules.isEmpty)
        #expect(try SastRuleSet.parse(yaml: "rules: []", source: "e.yaml").rules.isEmpty)
        #expect(try SastRuleSet.parse(yaml: "rules:", source: "e.yaml").rules.isEmpty)
    }

    private func parseError(_ yaml: String) -> String {
        do {
            _ = try SastRuleSet.parse(yaml: yaml, source: "team/extra.yaml")
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func errorsNameTheFileTheRuleAndTheProblem() {
        #expect(
            parseError(
                """
                rules:
                  - {id: ok, severity: low, message: m, pattern: 'a'}
                  - {id: bad.regex, severity: low, message: m, pattern: 'a(b'}
                """) == "invalid config team/extra.yaml: rule 'bad.regex' (line 3): bad regex 'a(b'")
        #expect(
            parseError(
                """
                rules:
                  - {id: bad.sev, severity: critical, message: m, pattern: 'a'}
                """)
                == "invalid config team/extra.yaml: rule 'bad.sev' (line 2): bad severity 'critical' (expected high, medium, low or off)")
        #expect(
            parseError(
                """
                rules:
                  - {id: twice, severity: low, message: m, pattern: 'a'}
                  - {id: twice, severity: low, message: m, pattern: 'b'}
                """) == "invalid config team/extra.yaml: rule 'twice' (line 3): duplicate id (first defined on line 2)")
        #expect(
            parseError(
                """
                rules:
                  - id: no.pattern
                    severity: high
                    message: m
                """) == "invalid config team/extra.yaml: rule 'no.pattern' (line 2): missing field 'pattern'")
        #expect(
            parseError(
                """
                rules:
                  - {id: a, severity: low, message: m, pattern: 'a'}
                  - {severity: low, message: m, pattern: 'a'}
                """) == "invalid config team/extra.yaml: rule #2 (line 3): missing field 'id'")
        #expect(
            parseError(
                """
                rules:
                  - {id: typo, severity: low, message: m, pattern: 'a', ignorecase: true}
                """) == "invalid config team/extra.yaml: rule 'typo' (line 2): unknown key 'ignorecase'")
        #expect(
            parseError(
                """
                rules:
                  - {id: empty, severity: low, message: m, pattern: 'x*'}
                """) == "invalid config team/extra.yaml: rule 'empty' (line 2): pattern matches the empty string")
        #expect(
            parseError(
                """
                rules:
                  - {id: langs, severity: low, message: m, pattern: 'a', languages: {python: 1}}
                """) == "invalid config team/extra.yaml: rule 'langs' (line 2): 'languages' must be a list of strings")
        #expect(parseError("rules: {id: x}") == "invalid config team/extra.yaml: 'rules' must be a list")
        #expect(parseError("- id: x") == "invalid config team/extra.yaml: expected a top-level 'rules:' list")
        #expect(parseError("rules: [").hasPrefix("invalid config team/extra.yaml: not valid YAML"))
    }

    @Test func laterFilesOverrideAddAndDisable() throws {
        let shipped = try loadShippedRules()
        let extra = try SastRuleSet.parse(
            yaml: """
                rules:
                  - id: crypto.python-weak-hash
                    severity: off
                  - id: injection.python-eval
                    severity: low
                    message: eval is allowed in this notebook repo, but look anyway
                    pattern: '\\beval\\('
                    languages: [python]
                  - id: team.print
                    severity: low
                    message: use logging
                    pattern: '^\\s*print\\('
                    languages: [python]
                  - id: never.existed
                    severity: off
                """, source: "extra.yaml")
        let merged = SastRuleSet.merge([shipped, extra])
        let ids = merged.rules.map(\.id)

        #expect(!ids.contains("crypto.python-weak-hash"))
        #expect(!ids.contains("never.existed"))
        #expect(ids.count == shipped.rules.count)  // one off, one added, one replaced in place
        #expect(ids.last == "team.print")
        #expect(ids.firstIndex(of: "injection.python-eval") == shipped.rules.map(\.id).firstIndex(of: "injection.python-eval"))

        let code = """
            digest = hashlib.md5(data).hexdigest()
            print(eval("1 + 1"))
            """
        let found = SastScanner.scan(text: code, path: "n.py", language: "python", rules: merged)
        #expect(
            found.map { "\($0.line) \($0.rule) \($0.severity)" } == [
                "2 injection.python-eval low", "2 team.print low",
            ])
        // Without the extra file the weak hash is found and the literal eval is not.
        #expect(
            SastScanner.scan(text: code, path: "n.py", language: "python", rules: shipped).map(\.rule)
                == ["crypto.python-weak-hash"])
    }

    @Test func aLaterFileCanSwitchARuleBackOn() throws {
        let base = try SastRuleSet.parse(yaml: "rules: [{id: r, severity: high, message: m, pattern: 'x'}]", source: "a")
        let off = try SastRuleSet.parse(yaml: "rules: [{id: r, severity: off}]", source: "b")
        let on = try SastRuleSet.parse(yaml: "rules: [{id: r, severity: low, message: m2, pattern: 'y'}]", source: "c")
        #expect(SastRuleSet.merge([base, off]).rules.isEmpty)
        let merged = SastRuleSet.merge([base, off, on])
        #expect(merged.rules.map(\.severity) == ["low"])
        #expect(SastScanner.scan(text: "x y", path: "f", language: "go", rules: merged).map(\.column) == [3])
        // A set that still holds an `off` rule (not merged) never fires it.
        #expect(SastScanner.scan(text: "x", path: "f", language: "go", rules: off).isEmpty)
    }
}
