import Foundation

/// The Markdown form of a report. Kept apart from the rules in `ReviewReport`: it only formats.
enum ReviewMarkdown {
    static func render(_ report: ReviewReport) -> String {
        var out: [String] = []
        out.append("# Code review: \(report.repository)")
        out.append("")
        var place: [String] = []
        if let branch = report.branch, !branch.isEmpty { place.append("Branch: \(code(branch))") }
        if let commit = report.commit, !commit.isEmpty { place.append("Commit: \(code(commit))") }
        if !place.isEmpty {
            out.append(place.joined(separator: " · "))
            out.append("")
        }
        out.append("**Summary:** \(report.summary)")
        out.append("")
        out.append("**Decision:** \(report.decision)")
        out.append("")
        out.append("**Action required:** \(report.action_required ? "yes" : "no")")
        out.append("")

        out.append("## Findings by severity")
        out.append("")
        if report.sast.isEmpty {
            out.append("No SAST findings.")
        } else {
            out.append("| Severity | Rule | Location | Message | Snippet |")
            out.append("| --- | --- | --- | --- | --- |")
            for f in report.sast {
                out.append(row([f.severity, code(f.rule), code("\(f.file_path):\(f.line)"), f.message, code(f.snippet)]))
            }
        }
        out.append("")

        out.append("## Files")
        out.append("")
        if report.files.isEmpty {
            out.append("No files reviewed.")
            out.append("")
        }
        for file in report.files {
            out += fileSection(file)
        }

        if !report.lint_skipped.isEmpty {
            out.append("## Lint not run")
            out.append("")
            out += report.lint_skipped.map { "- \($0)" }
            out.append("")
        }

        out.append("## Tests")
        out.append("")
        if let tests = report.tests, tests.ran {
            out.append("- Command: \(code(tests.command))")
            out.append("- Exit code: \(tests.exit_code.map(String.init) ?? "none")")
            out.append("- Result: \(tests.passed == true ? "passed" : "failed")")
            if let note = tests.note, !note.isEmpty { out.append("- Note: \(note)") }
            out.append("")
            if !tests.output_tail.isEmpty {
                out.append("Output (last 4 KiB):")
                out.append("")
                out.append(fence(tests.output_tail, info: "text"))
                out.append("")
            }
        } else {
            out.append("Tests were not run.")
            out.append("")
            if let tests = report.tests {
                if !tests.command.isEmpty { out.append("- Command: \(code(tests.command))") }
                if let note = tests.note, !note.isEmpty { out.append("- Reason: \(note)") }
                if !tests.command.isEmpty || tests.note?.isEmpty == false { out.append("") }
            }
        }

        if !report.notes.isEmpty {
            out.append("## Notes")
            out.append("")
            out += report.notes.map { "- \($0)" }
            out.append("")
        }
        return out.joined(separator: "\n")
    }

    static func fileSection(_ file: ReviewReport.FileReview) -> [String] {
        var out = ["### \(code(file.file_path))", ""]
        out.append("- Severity: \(file.severity)")
        out.append("- Language: \(file.language)")
        let patch: String
        if file.patch.isEmpty {
            patch = "none"
        } else {
            switch file.patch_applies {
            case true?: patch = "applies"
            case false?: patch = "does not apply"
            case nil: patch = file.patch_type == "unified_diff" ? "not checked" : "none (the model answered in prose)"
            }
        }
        out.append("- Patch: \(patch)")
        if let error = file.error { out.append("- Review failed: \(error)") }
        out.append("")
        if !file.explanation.isEmpty {
            out.append(file.explanation.trimmingCharacters(in: .whitespacesAndNewlines))
            out.append("")
        }
        if !file.patch.isEmpty {
            out.append(fence(file.patch, info: file.patch_type == "unified_diff" ? "diff" : "text"))
            out.append("")
        }
        if file.lint.isEmpty {
            out.append("Lint: no findings.")
        } else {
            out.append("Lint:")
            out.append("")
            out.append("| Line | Rule | Severity | Message | Tool |")
            out.append("| --- | --- | --- | --- | --- |")
            for l in file.lint {
                let at = l.column.map { "\(l.line):\($0)" } ?? "\(l.line)"
                out.append(row([at, code(l.rule), l.severity, l.message, l.tool]))
            }
        }
        out.append("")
        return out
    }

    // MARK: - Markdown escaping

    /// A table row; a `|` or line break in a cell would end the cell or the table.
    static func row(_ cells: [String]) -> String {
        let escaped = cells.map { cell in
            cell.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
                .replacingOccurrences(of: "|", with: "\\|")
        }
        return "| " + escaped.joined(separator: " | ") + " |"
    }

    /// Inline code that survives backticks in the text (a longer backtick run around it).
    static func code(_ text: String) -> String {
        if text.isEmpty { return "" }
        let ticks = String(repeating: "`", count: longestBacktickRun(text) + 1)
        let pad = text.hasPrefix("`") || text.hasSuffix("`") ? " " : ""
        return ticks + pad + text + pad + ticks
    }

    /// A fenced block whose fence is longer than any backtick run inside, so a patch that itself
    /// contains ``` cannot close it early.
    static func fence(_ text: String, info: String) -> String {
        let ticks = String(repeating: "`", count: max(3, longestBacktickRun(text) + 1))
        let body = text.hasSuffix("\n") ? String(text.dropLast()) : text
        return "\(ticks)\(info)\n\(body)\n\(ticks)"
    }

    static func longestBacktickRun(_ text: String) -> Int {
        var longest = 0
        var run = 0
        for c in text {
            run = c == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        return longest
    }
}
