import CoretexCore
import CoretexWorkers
import Foundation

/// `job.repo.lint`: runs the linters this machine has for the batch's languages, on the batch's
/// files, and says honestly which ones it could not run (docs/repo-review.md, "job.repo.lint").
public struct RepoLintWorker: JobHandler {
    let workspace: RepoWorkspace

    package init(workspace: RepoWorkspace) { self.workspace = workspace }

    /// A linter for one language: the tools tried in order, and how it is called on files.
    struct Linter: Sendable {
        var language: String
        var tools: [[String]]  // argv prefixes; the first whose program exists is used
        var rule: String
    }

    static let linters = [
        Linter(language: "shell", tools: [["shellcheck", "-f", "gcc"]], rule: "shellcheck"),
        Linter(language: "python", tools: [["pyflakes3"], ["pyflakes"], ["python3", "-m", "pyflakes"]], rule: "pyflakes"),
        Linter(language: "go", tools: [["gofmt", "-e", "-l"]], rule: "gofmt"),
        Linter(language: "swift", tools: [["swift-format", "lint"]], rule: "swift-format"),
    ]

    struct Input: Decodable {
        var archive_ptr: String
        var batch_id: String
        var files: [RepoFile]
    }

    public func handle(_ job: JobInput) async throws -> Data {
        let input = try RepoInput.decode(Input.self, from: job)
        let byLanguage = Dictionary(grouping: input.files, by: \.language)
        var findings: [ReviewReport.LintFinding] = []
        var skipped: [String] = []
        var linted: [String] = []
        try await workspace.withCheckout(input.archive_ptr) { root in
            for (language, files) in byLanguage.sorted(by: { $0.key < $1.key }) where Language.isCode(language) {
                guard let linter = Self.linters.first(where: { $0.language == language }) else {
                    skipped.append("no linter configured for \(language): \(files.count) file\(files.count == 1 ? "" : "s") not linted")
                    continue
                }
                guard let tool = await Self.available(linter.tools) else {
                    let names = linter.tools.map { $0.prefix(3).joined(separator: " ") }.joined(separator: " or ")
                    skipped.append("\(names) not installed: \(files.count) \(language) file\(files.count == 1 ? "" : "s") not linted")
                    continue
                }
                let paths = files.map(\.path)
                let outcome = try await Subprocess(
                    executable: tool[0], arguments: Array(tool.dropFirst()) + paths,
                    directory: root, timeoutSeconds: 120
                ).run()
                if outcome.timedOut { skipped.append("\(tool[0]) timed out on \(language) files"); continue }
                findings += Self.parse(outcome.output, tool: tool[0], rule: linter.rule, paths: Set(paths))
                linted.append("\(tool.joined(separator: " ")): \(paths.count) file\(paths.count == 1 ? "" : "s")")
            }
        }
        struct Result: Encodable {
            var batch_id: String
            var findings: [ReviewReport.LintFinding]
            var linted: [String]
            var skipped: [String]
        }
        return try JSONEncoder.sorted.encode(Result(batch_id: input.batch_id, findings: findings, linted: linted, skipped: skipped))
    }

    /// The first tool whose program is installed (a module-based one is asked for its version).
    static func available(_ tools: [[String]]) async -> [String]? {
        for tool in tools {
            guard Subprocess.which(tool[0]) != nil else { continue }
            if tool.count >= 3, tool[1] == "-m" {
                let probe = try? await Subprocess(executable: tool[0], arguments: ["-m", tool[2], "--version"], timeoutSeconds: 20).run()
                guard probe?.status == 0 else { continue }
            }
            return tool
        }
        return nil
    }

    /// `path:line[:col]: [severity:] message` lines about the batch's files; gofmt's bare
    /// path lines mean "not formatted".
    static func parse(_ output: String, tool: String, rule: String, paths: Set<String>) -> [ReviewReport.LintFinding] {
        let pattern = try! NSRegularExpression(pattern: #"^(.+?):(\d+):(?:(\d+):)?\s*(?:(error|warning|note|info|style):\s*)?(.*)$"#)
        return output.split(separator: "\n").compactMap { raw in
            let line = String(raw)
            let path = line.hasPrefix("./") ? String(line.dropFirst(2)) : line
            if tool == "gofmt", paths.contains(path) {
                return ReviewReport.LintFinding(
                    file_path: path, line: 1, column: nil, rule: rule, severity: "warning",
                    message: "not gofmt-formatted", tool: tool)
            }
            let range = NSRange(line.startIndex..., in: line)
            guard let m = pattern.firstMatch(in: line, range: range) else { return nil }
            func group(_ i: Int) -> String? { Range(m.range(at: i), in: line).map { String(line[$0]) } }
            guard var file = group(1), let number = group(2).flatMap(Int.init) else { return nil }
            if file.hasPrefix("./") { file.removeFirst(2) }
            guard paths.contains(file) else { return nil }
            let severity = group(4).map { $0 == "error" ? "error" : $0 == "warning" ? "warning" : "info" } ?? "warning"
            return ReviewReport.LintFinding(
                file_path: file, line: number, column: group(3).flatMap(Int.init), rule: rule,
                severity: severity, message: group(5) ?? "", tool: tool)
        }
    }
}
