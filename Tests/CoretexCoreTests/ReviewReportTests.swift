import CoretexCore
import Foundation
import Testing

@Suite struct ReviewReportTests {
    typealias FileReview = ReviewReport.FileReview
    typealias LintFinding = ReviewReport.LintFinding
    typealias Tests = ReviewReport.Tests

    func finding(_ rule: String, _ severity: String, _ path: String, _ line: Int, snippet: String = "x") -> SastFinding {
        SastFinding(
            rule: rule, severity: severity, message: "\(rule) message", file_path: path, line: line,
            column: 1, snippet: snippet)
    }

    @Test func cleanRepository() {
        let report = ReviewReport.build(
            repository: "acme/api", branch: "main", commit: "abc1234", sast: [],
            files: [
                FileReview(
                    file_path: "main.go", language: "go", patch_type: "none",
                    explanation: "Looks fine.")
            ],
            lintSkipped: [],
            tests: Tests(
                ran: true, command: "go test ./...", exit_code: 0, passed: true,
                output_tail: "ok  \tacme/api\t0.01s\n"),
            notes: [])

        #expect(report.summary == "Reviewed 1 file. SAST findings: 0 (high=0, medium=0, low=0). Tests passed.")
        #expect(report.decision == "No blocking issues; safe to proceed after review.")
        #expect(report.action_required == false)
        #expect(report.sast_counts == ReviewReport.Counts(high: 0, medium: 0, low: 0, total: 0))
        #expect(report.files.map(\.severity) == ["low"])
        #expect(
            report.markdown == """
                # Code review: acme/api

                Branch: `main` · Commit: `abc1234`

                **Summary:** Reviewed 1 file. SAST findings: 0 (high=0, medium=0, low=0). Tests passed.

                **Decision:** No blocking issues; safe to proceed after review.

                **Action required:** no

                ## Findings by severity

                No SAST findings.

                ## Files

                ### `main.go`

                - Severity: low
                - Language: go
                - Patch: none

                Looks fine.

                Lint: no findings.

                ## Tests

                - Command: `go test ./...`
                - Exit code: 0
                - Result: passed

                Output (last 4 KiB):

                ```text
                ok  \tacme/api\t0.01s
                ```

                """)
    }

    @Test func highSastFindingAndFailingTests() throws {
        let patch = "--- a/app/config.py\n+++ b/app/config.py\n@@ -1 +1 @@\n-KEY = \"AKIA****\"\n+KEY = os.environ[\"KEY\"]\n"
        let report = ReviewReport.build(
            repository: "acme/web", branch: nil, commit: nil,
            sast: [
                finding("crypto.js-weak-hash", "medium", "web/hash.js", 3),
                finding("secret.aws-access-key", "high", "app/config.py", 1, snippet: #"KEY = "AKIA****************""#),
                finding("injection.python-eval", "high", "app/calc.py", 9),
                finding("team.style", "low", "app/calc.py", 2),
            ],
            files: [
                FileReview(file_path: "web/hash.js", language: "javascript", patch: "", explanation: "Use sha256."),
                FileReview(
                    file_path: "app/config.py", language: "python", patch_type: "unified_diff", patch_applies: true,
                    patch: patch, explanation: "Read the key from the environment."),
                FileReview(file_path: "app/util.py", language: "python", error: "model timed out"),
            ],
            lintSkipped: ["shellcheck not installed: 2 shell files not linted"],
            tests: Tests(
                ran: true, command: "pytest -q", exit_code: 1, passed: false,
                output_tail: "FAILED test_calc.py::test_add\n1 failed, 3 passed\n"),
            notes: ["skipped assets/logo.png: binary"])

        #expect(report.summary == "Reviewed 3 files (review failed for 1). SAST findings: 4 (high=2, medium=1, low=1). Tests failed.")
        #expect(report.decision == "Resolve 2 high SAST findings | Apply 1 high-severity patch | Fix failing tests before merge")
        #expect(report.action_required)
        #expect(report.sast_counts == ReviewReport.Counts(high: 2, medium: 1, low: 1, total: 4))
        // High first, then path and line.
        #expect(
            report.sast.map { "\($0.severity) \($0.file_path):\($0.line)" } == [
                "high app/calc.py:9", "high app/config.py:1", "medium web/hash.js:3", "low app/calc.py:2",
            ])
        #expect(
            report.files.map { "\($0.file_path)=\($0.severity)" } == [
                "app/config.py=high", "app/util.py=low", "web/hash.js=medium",
            ])

        let md = report.markdown
        #expect(md.hasPrefix("# Code review: acme/web\n\n**Summary:** Reviewed 3 files"))
        #expect(md.contains("**Action required:** yes"))
        #expect(
            md.contains(
                """
                ## Findings by severity

                | Severity | Rule | Location | Message | Snippet |
                | --- | --- | --- | --- | --- |
                | high | `injection.python-eval` | `app/calc.py:9` | injection.python-eval message | `x` |
                | high | `secret.aws-access-key` | `app/config.py:1` | secret.aws-access-key message | `KEY = "AKIA****************"` |
                | medium | `crypto.js-weak-hash` | `web/hash.js:3` | crypto.js-weak-hash message | `x` |
                | low | `team.style` | `app/calc.py:2` | team.style message | `x` |
                """))
        #expect(
            md.contains(
                """
                ### `app/config.py`

                - Severity: high
                - Language: python
                - Patch: applies

                Read the key from the environment.

                ```diff
                --- a/app/config.py
                +++ b/app/config.py
                @@ -1 +1 @@
                -KEY = "AKIA****"
                +KEY = os.environ["KEY"]
                ```
                """))
        #expect(md.contains("- Review failed: model timed out"))
        #expect(md.contains("## Lint not run\n\n- shellcheck not installed: 2 shell files not linted\n"))
        #expect(
            md.contains(
                """
                ## Tests

                - Command: `pytest -q`
                - Exit code: 1
                - Result: failed

                Output (last 4 KiB):

                ```text
                FAILED test_calc.py::test_add
                1 failed, 3 passed
                ```
                """))
        #expect(md.hasSuffix("## Notes\n\n- skipped assets/logo.png: binary\n"))
        // Sections come in a fixed order.
        let order = ["## Findings by severity", "## Files", "## Lint not run", "## Tests", "## Notes"]
        let positions = try order.map { try #require(md.range(of: $0)).lowerBound }
        #expect(positions == positions.sorted())
    }

    @Test func testsNotRunAreNeverReportedAsPassed() {
        for tests in [nil, Tests(ran: false, command: "npm test", note: "package.json has no test script")] {
            let report = ReviewReport.build(
                repository: "acme/ui", branch: "dev", commit: nil, sast: [],
                files: [FileReview(file_path: "a.ts", language: "typescript")], lintSkipped: [], tests: tests, notes: [])
            #expect(report.summary == "Reviewed 1 file. SAST findings: 0 (high=0, medium=0, low=0). Tests not run.")
            #expect(!report.summary.contains("passed"))
            #expect(report.decision == "No blocking issues; safe to proceed after review.")
            #expect(!report.action_required)
            #expect(report.markdown.contains("## Tests\n\nTests were not run.\n"))
        }
        let withReason = ReviewReport.build(
            repository: "r", branch: nil, commit: nil, sast: [], files: [], lintSkipped: [],
            tests: Tests(ran: false, command: "npm test", note: "package.json has no test script"), notes: [])
        #expect(withReason.markdown.contains("Tests were not run.\n\n- Command: `npm test`\n- Reason: package.json has no test script\n"))
    }

    @Test func aRunWithoutAVerdictIsAFailure() {
        let report = ReviewReport.build(
            repository: "r", branch: nil, commit: nil, sast: [], files: [], lintSkipped: [],
            tests: Tests(ran: true, command: "make test", exit_code: nil, passed: nil, note: "timed out after 600s"),
            notes: [])
        #expect(report.summary == "Reviewed 0 files. SAST findings: 0 (high=0, medium=0, low=0). Tests failed.")
        #expect(report.decision == "Fix failing tests before merge")
        #expect(report.action_required)
        #expect(report.markdown.contains("- Exit code: none\n- Result: failed\n- Note: timed out after 600s\n"))
    }

    @Test func onlyLowerSastFindingsAskForAReviewNotAnAction() {
        let report = ReviewReport.build(
            repository: "r", branch: nil, commit: nil,
            sast: [finding("crypto.go-weak-hash", "medium", "a.go", 3)],
            files: [FileReview(file_path: "a.go", language: "go", patch_type: "unified_diff", patch: "--- a/a.go\n+++ b/a.go\n")],
            lintSkipped: [], tests: Tests(ran: true, command: "go test", exit_code: 0, passed: true), notes: [])
        #expect(report.decision == "Review SAST findings before merge")
        #expect(!report.action_required)
        #expect(report.files.map(\.severity) == ["medium"])
        #expect(report.markdown.contains("- Patch: not checked"))
    }

    @Test func fileSeverityFromLintAndFromTheReviewItself() {
        let lintError = LintFinding(
            file_path: "s.sh", line: 4, column: 7, rule: "SC2086", severity: "error",
            message: "Double quote to prevent globbing | splitting", tool: "shellcheck")
        let lintWarning = LintFinding(
            file_path: "s.sh", line: 2, rule: "SC2034", severity: "warning",
            message: "unused", tool: "shellcheck")
        let report = ReviewReport.build(
            repository: "r", branch: nil, commit: nil, sast: [],
            files: [
                FileReview(file_path: "s.sh", language: "shell", lint: [lintError, lintWarning]),
                FileReview(file_path: "w.sh", language: "shell", lint: [lintWarning]),
                FileReview(
                    file_path: "z.py", language: "python", severity: "high", patch_type: "unified_diff", patch_applies: true,
                    patch: "--- a\n+++ b\n"),
            ],
            lintSkipped: [], tests: nil, notes: [])
        #expect(report.files.map(\.severity) == ["medium", "low", "high"])
        // The review's own "high" is kept, and its patch counts.
        #expect(report.decision == "Apply 1 high-severity patch")
        #expect(report.action_required)
        // Lint sorted by line; a `|` in a message cannot break the table.
        #expect(report.files[0].lint.map(\.line) == [2, 4])
        #expect(report.markdown.contains("| 4:7 | `SC2086` | error | Double quote to prevent globbing \\| splitting | shellcheck |"))
        #expect(report.markdown.contains("| 2 | `SC2034` | warning | unused | shellcheck |"))
    }

    @Test func outputTailKeepsTheLast4KiBOnACharacterBoundary() throws {
        let output = String(repeating: "é", count: 3000) + "END"  // 6003 bytes
        let report = ReviewReport.build(
            repository: "r", branch: nil, commit: nil, sast: [], files: [], lintSkipped: [],
            tests: Tests(ran: true, command: "t", exit_code: 1, passed: false, output_tail: output), notes: [])
        let tail = try #require(report.tests?.output_tail)
        #expect(tail.utf8.count == 4095)  // 4096 would start inside an "é"
        #expect(tail == String(repeating: "é", count: 2046) + "END")
    }

    @Test func backticksInPatchesAndSnippetsDoNotBreakTheMarkdown() {
        let report = ReviewReport.build(
            repository: "r", branch: nil, commit: nil,
            sast: [finding("r", "low", "README.md", 1, snippet: "run `eval x`")],
            files: [
                FileReview(
                    file_path: "README.md", language: "markdown", patch_type: "unified_diff", patch_applies: false,
                    patch: "+```sh\n+eval x\n+```\n")
            ],
            lintSkipped: [], tests: nil, notes: [])
        #expect(report.markdown.contains("| low | `r` | `README.md:1` | r message | `` run `eval x` `` |"))
        #expect(report.markdown.contains("- Patch: does not apply"))
        #expect(report.markdown.contains("````diff\n+```sh\n+eval x\n+```\n````"))
    }

    @Test func proseFromTheModelIsAdviceNotAPatch() {
        let report = ReviewReport.build(
            repository: "r", branch: nil, commit: nil, sast: [],
            files: [
                FileReview(
                    file_path: "a.py", language: "python", severity: "high", patch_type: "text",
                    patch: "Consider validating input.")
            ],
            lintSkipped: [], tests: nil, notes: [])
        #expect(report.decision == "Review 1 high-severity file")
        #expect(report.action_required)
        #expect(report.markdown.contains("- Patch: none (the model answered in prose)"))
        #expect(report.markdown.contains("```text\nConsider validating input.\n```"))
    }

    @Test func deterministicAndRoundTripsThroughJSON() throws {
        let sast = [finding("b", "high", "x.py", 2), finding("a", "high", "x.py", 2), finding("c", "low", "a.py", 1)]
        let files = [FileReview(file_path: "x.py", language: "python"), FileReview(file_path: "a.py", language: "python")]
        let one = ReviewReport.build(
            repository: "r", branch: "b", commit: "c", sast: sast, files: files,
            lintSkipped: [], tests: nil, notes: ["n"])
        let two = ReviewReport.build(
            repository: "r", branch: "b", commit: "c", sast: sast.reversed(),
            files: files.reversed(), lintSkipped: [], tests: nil, notes: ["n"])
        #expect(one == two)
        #expect(one.sast.map(\.rule) == ["a", "b", "c"])
        #expect(try one.json() == two.json())

        let json = String(decoding: try one.json(), as: UTF8.self)
        #expect(json.contains(#""action_required" : true"#))
        #expect(json.contains(#""sast_counts" : {"#))
        #expect(try JSONDecoder().decode(ReviewReport.self, from: one.json()) == one)
    }
}
