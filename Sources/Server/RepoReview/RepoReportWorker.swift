import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexWorkers
import Foundation

/// `job.repo.report`: gathers the pipeline's results by pointer into one report, as JSON with
/// a Markdown rendering (docs/repo-review.md, "job.repo.report"). Lint results and the
/// per-file patch checks are part of it, and tests count as passed only if they ran and
/// passed.
public struct RepoReportWorker: JobHandler {
    let store: any JobRecords

    package init(store: any JobRecords) { self.store = store }

    struct Input: Decodable {
        struct File: Decodable {
            var file_path: String
            var language: String?
            var patch_ptr: String?
            var explanation_ptr: String?
            var error: String?
        }
        var repository: String
        var branch: String?
        var commit: String?
        var sast_ptr: String?
        var lint_ptrs: [String]?
        var tests_ptr: String?
        var tests_note: String?
        var files: [File]
        var notes: [String]?
    }

    public func handle(_ job: JobInput) async throws -> Data {
        let input = try RepoInput.decode(Input.self, from: job)
        let sastResult = try await load(input.sast_ptr)
        let sast = (try? sastResult?["findings"]?.decode(as: [SastFinding].self)) ?? []
        var lint: [ReviewReport.LintFinding] = []
        var lintSkipped: [String] = []
        for pointer in input.lint_ptrs ?? [] {
            guard let result = try await load(pointer) else { continue }
            lint += (try? result["findings"]?.decode(as: [ReviewReport.LintFinding].self)) ?? []
            lintSkipped += (try? result["skipped"]?.decode(as: [String].self)) ?? []
        }
        var files: [ReviewReport.FileReview] = []
        for file in input.files {
            let patch = try await load(file.patch_ptr)
            let explanation = try await load(file.explanation_ptr)
            files.append(
                ReviewReport.FileReview(
                    file_path: file.file_path, language: file.language ?? Language.of(path: file.file_path), severity: "low",
                    patch_type: patch?["patch"]?["type"]?.stringValue ?? "none",
                    patch_applies: patch?["patch"]?["applies"].flatMap { if case .bool(let b) = $0 { b } else { nil } },
                    patch: patch?["patch"]?["content"]?.stringValue ?? "",
                    explanation: explanation?["response"]?.stringValue ?? patch?["explanation"]?.stringValue ?? "",
                    lint: lint.filter { $0.file_path == file.file_path }, error: file.error))
        }
        var tests: ReviewReport.Tests?
        if let pointer = input.tests_ptr, !pointer.isEmpty {
            let t = try await load(pointer)
            tests = ReviewReport.Tests(
                ran: t != nil, command: t?["command"]?.stringValue ?? "",
                exit_code: t?["exit_code"].flatMap { if case .number(let n) = $0 { Int(n) } else { nil } },
                passed: t?["passed"].flatMap { if case .bool(let b) = $0 { b } else { nil } },
                output_tail: t?["output_tail"]?.stringValue ?? "", note: t == nil ? "the test results could not be loaded" : nil)
        } else if let note = input.tests_note {
            tests = ReviewReport.Tests(ran: false, command: "", exit_code: nil, passed: nil, output_tail: "", note: note)
        }
        let report = ReviewReport.build(
            repository: input.repository, branch: input.branch, commit: input.commit, sast: sast, files: files,
            lintSkipped: lintSkipped, tests: tests, notes: input.notes ?? [])
        return try JSONEncoder.sorted.encode(report)
    }

    private func load(_ pointer: String?) async throws -> JSONValue? {
        guard let pointer, !pointer.isEmpty, let bytes = try await store.blob(pointer: pointer) else { return nil }
        return JSONValue.parse(bytes)
    }
}
