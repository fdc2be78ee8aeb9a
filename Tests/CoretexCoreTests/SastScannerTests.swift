import CoretexCore
import Foundation
import Testing

/// The scanner over rules given inline: matching, order, redaction, snippets.
@Suite struct SastScannerTests {
    let rules = try! SastRuleSet.parse(
        yaml: #"""
            rules:
              - id: b.eval
                severity: high
                message: eval
                pattern: '\beval\('
              - id: a.token
                severity: medium
                message: token
                pattern: 'tok_([a-z0-9]{12,})'
                secret: true
                min_entropy: 3
              - id: c.shout
                severity: low
                message: shouting
                pattern: 'todo'
                ignore_case: true
            """#, source: "test.yaml")

    @Test func entropyInBitsPerCharacter() {
        #expect(SastScanner.entropy("") == 0)
        #expect(SastScanner.entropy("aaaa") == 0)
        #expect(SastScanner.entropy("ab") == 1)
        #expect(SastScanner.entropy("abcd") == 2)
        #expect(SastScanner.entropy("abababab") == 1)
        #expect(abs(SastScanner.entropy("aab") - 0.9182958340544896) < 1e-12)
        #expect(abs(SastScanner.entropy("q8Zr2LmN0xV7pT4sK9wB") - log2(20)) < 1e-12)
        #expect(SastScanner.entropy("changeme") < 3.5)
    }

    @Test func everyRuleOnEveryLineOncePerRuleInLineThenRuleOrder() {
        let text = """
            x = 1
            eval(a); eval(b) // TODO tok_k3j9x8q2m7z4
            TODO later
            """
        let found = SastScanner.scan(text: text, path: "src/a.js", language: "javascript", rules: rules)
        #expect(
            found.map { "\($0.line):\($0.column):\($0.rule)" } == [
                "2:26:a.token", "2:1:b.eval", "2:21:c.shout", "3:1:c.shout",
            ])
        #expect(
            found[1]
                == SastFinding(
                    rule: "b.eval", severity: "high", message: "eval", file_path: "src/a.js",
                    line: 2, column: 1, snippet: "eval(a); eval(b) // TODO tok_k3j9********"))
    }

    @Test func secretsAreRedactedInEverySnippetOfTheLine() {
        let found = SastScanner.scan(text: "  eval(tok_k3j9x8q2m7z4) + tok_abcdef123456  ", path: "a", language: "js", rules: rules)
        #expect(found.map(\.rule) == ["a.token", "b.eval"])
        // Both secrets on the line are starred, in both findings; leading/trailing blanks trimmed.
        #expect(found.allSatisfy { $0.snippet == "eval(tok_k3j9********) + tok_abcd********" })
        #expect(found.map(\.column) == [8, 3])
    }

    @Test func lowEntropyMatchesAreSkippedNotJustTheFirst() {
        let found = SastScanner.scan(text: "tok_aaaaaaaaaaaa then tok_k3j9x8q2m7z4", path: "a", language: "x", rules: rules)
        #expect(found.map(\.column) == [23])
        #expect(found.first?.snippet == "tok_aaaaaaaaaaaa then tok_k3j9********")
    }

    @Test func longLinesAreScannedInFullAndTheSnippetIsCutAroundTheMatch() throws {
        let line = String(repeating: "a", count: 5000) + " eval(x) " + String(repeating: "b", count: 5000)
        let found = SastScanner.scan(text: "\n" + line, path: "min.js", language: "javascript", rules: rules)
        let finding = try #require(found.first)
        #expect(found.count == 1)
        #expect(finding.line == 2 && finding.column == 5002)
        #expect(finding.snippet.count == 200)
        #expect(finding.snippet.hasPrefix("…") && finding.snippet.hasSuffix("…"))
        #expect(finding.snippet.contains("eval(x)"))

        let start = SastScanner.scan(text: "eval(x)" + String(repeating: "c", count: 300), path: "a", language: "js", rules: rules)
        #expect(start.first?.snippet == "eval(x)" + String(repeating: "c", count: 192) + "…")
        let end = SastScanner.scan(text: String(repeating: "c", count: 300) + " eval(x)", path: "a", language: "js", rules: rules)
        #expect(end.first?.snippet == "…" + String(repeating: "c", count: 191) + " eval(x)")
    }

    @Test func crlfLinesAndColumnsInCharacters() {
        let found = SastScanner.scan(text: "a\r\nlet ü = \"é\"; eval(x)\r\n", path: "a", language: "js", rules: rules)
        #expect(found.map { "\($0.line):\($0.column)" } == ["2:14"])
        #expect(found.first?.snippet == "let ü = \"é\"; eval(x)")
    }

    @Test func emptyTextAndNoApplicableRules() {
        #expect(SastScanner.scan(text: "", path: "a", language: "js", rules: rules) == [])
        let pythonOnly = try! SastRuleSet.parse(
            yaml: """
                rules: [{id: p, severity: low, message: m, pattern: 'eval', languages: [python]}]
                """, source: "p.yaml")
        #expect(SastScanner.scan(text: "eval(x)", path: "a", language: "ruby", rules: pythonOnly) == [])
        #expect(SastScanner.scan(text: "eval(x)", path: "a", language: "PYTHON", rules: pythonOnly).count == 1)
    }
}
