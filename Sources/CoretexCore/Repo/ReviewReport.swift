import Foundation

/// The result of a repository review: what the pipeline found, the decision it leads to, and
/// the same as Markdown for people. Pure data in, data out: `build` reads no files and runs
/// nothing, so every rule here (summary, decision, severities) is tested without a repository.
///
/// Property names are snake_case because they are the JSON keys clients already read.
public struct ReviewReport: Codable, Sendable, Equatable {
    /// One reviewed file. `error` says its review failed; the file stays in the report (with its
    /// SAST and lint results) instead of failing the whole review.
    public struct FileReview: Codable, Sendable, Equatable {
        public var file_path: String
        public var language: String
        /// `build` raises this to what the file's SAST and lint findings call for.
        public var severity: String
        public var patch_type: String
        /// nil: not checked.
        public var patch_applies: Bool?
        public var patch: String
        public var explanation: String
        public var lint: [LintFinding]
        public var error: String?

        public init(
            file_path: String, language: String, severity: String = "low", patch_type: String = "",
            patch_applies: Bool? = nil, patch: String = "", explanation: String = "",
            lint: [LintFinding] = [], error: String? = nil
        ) {
            self.file_path = file_path
            self.language = language
            self.severity = severity
            self.patch_type = patch_type
            self.patch_applies = patch_applies
            self.patch = patch
            self.explanation = explanation
            self.lint = lint
            self.error = error
        }
    }

    /// One message from an external linter (shellcheck, eslint, ...), in the linter's own severity words.
    public struct LintFinding: Codable, Sendable, Equatable {
        public var file_path: String
        public var line: Int
        public var column: Int?
        public var rule: String
        public var severity: String
        public var message: String
        public var tool: String

        public init(
            file_path: String, line: Int, column: Int? = nil, rule: String, severity: String,
            message: String, tool: String
        ) {
            self.file_path = file_path
            self.line = line
            self.column = column
            self.rule = rule
            self.severity = severity
            self.message = message
            self.tool = tool
        }
    }

    /// The repository's test run. `ran == false` (with a `note` saying why) is not a failure, but
    /// it is never reported as "passed" either.
    public struct Tests: Codable, Sendable, Equatable {
        public var ran: Bool
        public var command: String
        public var exit_code: Int?
        public var passed: Bool?
        /// The last 4 KiB of the output; `build` cuts longer text.
        public var output_tail: String
        public var note: String?

        public init(
            ran: Bool, command: String, exit_code: Int? = nil, passed: Bool? = nil,
            output_tail: String = "", note: String? = nil
        ) {
            self.ran = ran
            self.command = command
            self.exit_code = exit_code
            self.passed = passed
            self.output_tail = output_tail
            self.note = note
        }
    }

    public struct Counts: Codable, Sendable, Equatable {
        public var high: Int
        public var medium: Int
        public var low: Int
        /// Every finding, including any with a severity outside high/medium/low.
        public var total: Int

        public init(high: Int, medium: Int, low: Int, total: Int) {
            self.high = high
            self.medium = medium
            self.low = low
            self.total = total
        }
    }

    public var repository: String
    public var branch: String?
    public var commit: String?
    public var summary: String
    public var action_required: Bool
    public var decision: String
    /// Sorted by severity (high first), then path, line, column and rule.
    public var sast: [SastFinding]
    public var sast_counts: Counts
    /// Sorted by path.
    public var files: [FileReview]
    /// Linters that could not run, e.g. "shellcheck not installed: 2 shell files not linted".
    public var lint_skipped: [String]
    public var tests: Tests?
    /// Files skipped (binary, huge, symlinks out of the repository) and why a report is partial.
    public var notes: [String]
    public var markdown: String

    /// The most output a report keeps from the test run.
    static let outputTailBytes = 4096

    /// Assembles the report; the same input always gives the same report, byte for byte.
    public static func build(
        repository: String, branch: String?, commit: String?, sast: [SastFinding],
        files: [FileReview], lintSkipped: [String], tests: Tests?,
        notes: [String]
    ) -> ReviewReport {
        let findings = sast.enumerated().sorted { a, b in
            let (x, y) = (a.element, b.element)
            if rank(x.severity) != rank(y.severity) { return rank(x.severity) > rank(y.severity) }
            if x.file_path != y.file_path { return x.file_path < y.file_path }
            if x.line != y.line { return x.line < y.line }
            if x.column != y.column { return x.column < y.column }
            if x.rule != y.rule { return x.rule < y.rule }
            return a.offset < b.offset
        }.map(\.element)

        let counts = Counts(
            high: findings.count { $0.severity.lowercased() == "high" },
            medium: findings.count { $0.severity.lowercased() == "medium" },
            low: findings.count { $0.severity.lowercased() == "low" },
            total: findings.count)

        let reviewed = files.enumerated().sorted { a, b in
            a.element.file_path != b.element.file_path ? a.element.file_path < b.element.file_path : a.offset < b.offset
        }.map { item in
            var file = item.element
            file.severity = severity(of: file, findings: findings)
            file.lint.sort { a, b in
                (a.line, a.column ?? 0, a.rule, a.message) < (b.line, b.column ?? 0, b.rule, b.message)
            }
            return file
        }

        let tests = tests.map { run in
            var run = run
            run.output_tail = tail(run.output_tail, bytes: outputTailBytes)
            return run
        }
        let outcome = TestOutcome(tests)

        // Only patches that apply can be applied; a model's prose is advice, not a patch.
        let highPatches = reviewed.count { $0.severity == "high" && $0.patch_applies == true }
        var decisions: [String] = []
        if counts.high > 0 {
            decisions.append("Resolve \(plural(counts.high, "high SAST finding"))")
        } else if counts.total > 0 {
            decisions.append("Review SAST findings before merge")
        }
        if highPatches > 0 { decisions.append("Apply \(plural(highPatches, "high-severity patch", "high-severity patches"))") }
        // Files rated high by their review but with nothing to apply still need a human.
        let highUnpatched = reviewed.count { $0.severity == "high" && $0.patch_applies != true }
        if counts.high == 0, highUnpatched > 0 {
            decisions.append("Review \(plural(highUnpatched, "high-severity file"))")
        }
        if outcome == .failed { decisions.append("Fix failing tests before merge") }
        let decision = decisions.isEmpty ? "No blocking issues; safe to proceed after review." : decisions.joined(separator: " | ")

        let actionRequired = counts.high > 0 || reviewed.contains { $0.severity == "high" } || outcome == .failed

        let failedReviews = reviewed.count { $0.error != nil }
        let reviewedPart =
            "Reviewed \(plural(reviewed.count, "file"))"
            + (failedReviews > 0 ? " (review failed for \(failedReviews))" : "") + "."
        let summary =
            "\(reviewedPart) SAST findings: \(counts.total) "
            + "(high=\(counts.high), medium=\(counts.medium), low=\(counts.low)). \(outcome.sentence)"

        var report = ReviewReport(
            repository: repository, branch: branch, commit: commit, summary: summary,
            action_required: actionRequired, decision: decision, sast: findings, sast_counts: counts,
            files: reviewed, lint_skipped: lintSkipped, tests: tests, notes: notes, markdown: "")
        report.markdown = ReviewMarkdown.render(report)
        return report
    }

    /// The report as JSON with sorted keys, so two runs over the same input compare equal as text.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    // MARK: - Rules

    /// high 3, medium 2, low 1, anything else 0.
    static func rank(_ severity: String) -> Int {
        switch severity.lowercased() {
        case "high": 3
        case "medium": 2
        case "low": 1
        default: 0
        }
    }

    /// "high" with a high SAST finding, "medium" with any other SAST finding or a lint error,
    /// else "low"; a review that already said something higher keeps it.
    static func severity(of file: FileReview, findings: [SastFinding]) -> String {
        let own = findings.filter { $0.file_path == file.file_path }
        let lintErrors = file.lint.contains { ["error", "fatal", "high"].contains($0.severity.lowercased()) }
        let derived =
            own.contains { $0.severity.lowercased() == "high" }
            ? "high"
            : (!own.isEmpty || lintErrors) ? "medium" : "low"
        return rank(file.severity) > rank(derived) ? file.severity.lowercased() : derived
    }

    /// What the test run means for the decision. Only a run that happened and said it passed is
    /// "passed"; a run that started but gave no verdict (killed, timed out) counts as failed.
    enum TestOutcome {
        case notRun, passed, failed

        init(_ tests: Tests?) {
            guard let tests, tests.ran else { self = .notRun; return }
            self = tests.passed == true ? .passed : .failed
        }

        var sentence: String {
            switch self {
            case .notRun: "Tests not run."
            case .passed: "Tests passed."
            case .failed: "Tests failed."
            }
        }
    }

    static func plural(_ n: Int, _ singular: String, _ pluralForm: String? = nil) -> String {
        "\(n) " + (n == 1 ? singular : pluralForm ?? singular + "s")
    }

    /// The last `bytes` bytes of `text`, starting on a whole character.
    static func tail(_ text: String, bytes: Int) -> String {
        let utf8 = Array(text.utf8)
        guard utf8.count > bytes else { return text }
        // Skip UTF-8 continuation bytes (10xxxxxx) so the cut never splits a character.
        let suffix = utf8.suffix(bytes).drop { $0 & 0b1100_0000 == 0b1000_0000 }
        return String(decoding: suffix, as: UTF8.self)
    }
}
