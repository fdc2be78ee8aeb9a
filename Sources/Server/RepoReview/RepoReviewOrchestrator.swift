import CoretexCore
import CoretexProtocol
import CoretexWorkers
import Foundation

/// `job.workflow.repo.code_review`: reviews a repository through its child jobs
/// (docs/repo-review.md): scan → SAST → partition → lint per batch and, per file,
/// `job.code.llm` then `job.chat.simple` → tests (optional) → report. The report is this
/// job's own result.
///
/// Batches are linted and files reviewed in parallel (at most `REPO_REVIEW_PARALLEL` children
/// at once); one file's failed review is noted in the report instead of failing everything;
/// each file gets its own memory (a shared one would carry the previous files' conversations
/// into every review); timeouts come from
/// `workflows.repo_code_review` in `config/timeouts.yaml`; cancelling this job cancels its
/// running children.
public struct RepoReviewOrchestrator: JobHandler {
    public struct Settings: Sendable {
        public var maxFiles = 500
        public var batchSize = 50
        public var maxBatches = 5
        public var parallel = 4
        public var testCommand = "go test ./..."

        public init() {}

        public init(_ settings: CoretexCore.Settings) {
            maxFiles = settings.repoReviewMaxFiles
            batchSize = settings.repoReviewBatchSize
            maxBatches = settings.repoReviewMaxBatches
            parallel = settings.repoReviewParallel
            testCommand = settings.repoReviewTestCommand
        }
    }

    let children: ChildJobs
    let workspace: RepoWorkspace
    let limits: WorkflowLimits
    let settings: Settings

    package init(children: ChildJobs, workspace: RepoWorkspace, limits: WorkflowLimits, settings: Settings) {
        self.children = children
        self.workspace = workspace
        self.limits = limits
        self.settings = settings
    }

    /// `workflows.repo_code_review` of the timeouts file.
    public static func limits(_ config: TimeoutConfig) -> WorkflowLimits {
        WorkflowLimits(
            config, workflow: "repo_code_review",
            defaults: WorkflowLimits(childTimeoutSeconds: 600, totalTimeoutSeconds: 1800, maxRetries: 0))
    }

    struct Input: Decodable {
        var repo_url: String?
        var branch: String?
        var local_path: String?
        var include_globs: [String]?
        var exclude_globs: [String]?
        var max_files: Int?
        var batch_size: Int?
        var max_batches: Int?
        var run_tests: Bool?
        var test_command: String?
    }

    static let instruction = "Review this file for bugs, edge cases and readability; suggest minimal, safe changes."

    public func handle(_ job: JobInput) async throws -> Data {
        let input = try RepoInput.decode(Input.self, from: job)
        return try await withDeadline(ms: Int64(limits.totalTimeoutSeconds) * 1000) { try await review(input, job) }
    }

    private func review(_ input: Input, _ job: JobInput) async throws -> Data {
        let maxFiles = input.max_files.flatMap { $0 > 0 ? $0 : nil } ?? settings.maxFiles
        var scanInput = job.contextJSON ?? .object([:])
        if case .object(var o) = scanInput { o["max_files"] = .number(Double(maxFiles)); scanInput = .object(o) }
        let scan = try await child("scan", "job.repo.scan", scanInput, job)
        guard let scanned = scan.result, let archive = scanned["archive_ptr"]?.stringValue else {
            throw RepoError("the scan returned no archive")
        }
        let files = try (scanned["files"] ?? .array([])).decode(as: [RepoFile].self)
        var notes = (try? scanned["notes"]?.decode(as: [String].self)) ?? []

        let sast = try await child(
            "sast", "job.repo.sast", .object(["archive_ptr": .string(archive), "files": scanned["files"] ?? .array([])]), job)
        let partition = try await child(
            "partition", "job.repo.partition",
            .object([
                "files": scanned["files"] ?? .array([]), "max_files": .number(Double(maxFiles)),
                "batch_size": .number(Double(input.batch_size.flatMap { $0 > 0 ? $0 : nil } ?? settings.batchSize)),
                "max_batches": .number(Double(input.max_batches.flatMap { $0 > 0 ? $0 : nil } ?? settings.maxBatches)),
            ]), job)
        let plan = try (partition.result ?? .null).decode(as: PartitionPlan.self)
        if !plan.skipped.isEmpty { notes.append("\(plan.skipped.count) files beyond the review limits were not reviewed") }

        let byPath = Dictionary(files.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        let batches = plan.batches.map { batch in batch.files.compactMap { byPath[$0] } }
        let reviewed = batches.flatMap { $0 }.filter { Language.isCode($0.language) }
        let skippedData = batches.flatMap { $0 }.count - reviewed.count
        if skippedData > 0 { notes.append("\(skippedData) data and documentation files scanned but not sent for review") }

        // Lint every batch and review every code file, a bounded number of children at a time.
        let code = try await workspace.withCheckout(archive) { root in
            Dictionary(
                uniqueKeysWithValues: reviewed.map { ($0.path, (try? String(contentsOfFile: root + "/" + $0.path, encoding: .utf8)) ?? "") }
            )
        }
        enum Work: Sendable { case lint(String, [RepoFile]), file(Int, RepoFile) }
        enum Done: Sendable { case lint(String?), file(Int, JSONValue) }
        let work = zip(plan.batches, batches).map { Work.lint($0.batch_id, $1) } + reviewed.enumerated().map { Work.file($0, $1) }
        let done = try await Self.bounded(work, limit: settings.parallel) { item -> Done in
            switch item {
            case .lint(let id, let files):
                let lint = try? await child(
                    "lint-\(id)", "job.repo.lint",
                    .object([
                        "archive_ptr": .string(archive), "batch_id": .string(id), "files": try JSONValue(encoding: files),
                    ]), job)
                return .lint(lint.map { "redis://res:\($0.id)" })
            case .file(let index, let file):
                return .file(index, await review(file, code: code[file.path] ?? "", index: index, job: job))
            }
        }
        let lintPointers = done.compactMap { if case .lint(let p?) = $0 { p } else { nil } }
        if lintPointers.count < plan.batches.count { notes.append("\(plan.batches.count - lintPointers.count) lint batches failed") }
        let reviews = done.compactMap { if case .file(let i, let v) = $0 { (i, v) } else { nil } }.sorted { $0.0 < $1.0 }.map(\.1)

        var testsPointer: String?
        var testsNote: String?
        if input.run_tests == true {
            let command = input.test_command.flatMap { $0.isEmpty ? nil : $0 } ?? settings.testCommand
            do {
                let tests = try await child(
                    "tests", "job.repo.tests",
                    .object([
                        "archive_ptr": .string(archive), "test_command": .string(command),
                        "timeout_sec": .number(Double(limits.childTimeoutSeconds)),
                    ]), job)
                testsPointer = "redis://res:\(tests.id)"
            } catch let failure as ChildJobs.Failure {
                testsNote = "tests not run: \(failure.message)"
            }
        }

        var reportInput: [String: JSONValue] = [
            "repository": scanned["repository"] ?? .string(""), "branch": scanned["branch"] ?? .null, "commit": scanned["commit"] ?? .null,
            "sast_ptr": .string("redis://res:\(sast.id)"), "lint_ptrs": .array(lintPointers.map { .string($0) }),
            "files": .array(reviews), "notes": .array(notes.map { .string($0) }),
        ]
        if let testsPointer { reportInput["tests_ptr"] = .string(testsPointer) }
        if let testsNote { reportInput["tests_note"] = .string(testsNote) }
        let report = try await child("report", "job.repo.report", .object(reportInput), job)
        guard let result = report.result else { throw RepoError("the report step returned nothing") }
        return try JSONEncoder.sorted.encode(result)
    }

    /// One file: a patch from code-llm, then chat explains it. A failure is kept as the
    /// file's error; the review goes on.
    private func review(_ file: RepoFile, code: String, index: Int, job: JobInput) async -> JSONValue {
        var entry: [String: JSONValue] = ["file_path": .string(file.path), "language": .string(file.language)]
        // Each file its own conversation, with no history: a review must not carry the others.
        let env = ["memory_id": "review:\(job.id):\(index)", "context_mode": "raw"]
        do {
            let patch = try await children.run(
                step: "review-\(index)", topic: "job.code.llm",
                context: .object(["file_path": .string(file.path), "code_snippet": .string(code), "instruction": .string(Self.instruction)]
                ),
                parent: job, timeoutSeconds: limits.childTimeoutSeconds, retries: limits.maxRetries, env: env)
            entry["patch_ptr"] = .string("redis://res:\(patch.id)")
            let content = patch.result?["patch"]?["content"]?.stringValue ?? ""
            let explain = try await children.run(
                step: "explain-\(index)", topic: "job.chat.simple",
                context: .object([
                    "prompt": .string("As a senior engineer, explain this proposed change to \(file.path) for a reviewer:\n\(content)")
                ]),
                parent: job, timeoutSeconds: limits.childTimeoutSeconds, retries: limits.maxRetries, env: env)
            entry["explanation_ptr"] = .string("redis://res:\(explain.id)")
        } catch {
            entry["error"] = .string("\(error)")
        }
        return .object(entry)
    }

    private func child(_ step: String, _ topic: String, _ context: JSONValue, _ job: JobInput) async throws -> (
        id: String, result: JSONValue?
    ) {
        try await children.run(
            step: step, topic: topic, context: context, parent: job,
            timeoutSeconds: limits.childTimeoutSeconds, retries: limits.maxRetries)
    }

    /// Runs `body` over `items` with at most `limit` at once; results in completion order.
    static func bounded<T: Sendable, R: Sendable>(_ items: [T], limit: Int, _ body: @escaping @Sendable (T) async throws -> R)
        async throws -> [R]
    {
        try await withThrowingTaskGroup(of: R.self) { group in
            var results: [R] = []
            var next = items.makeIterator()
            for _ in 0..<max(limit, 1) {
                guard let item = next.next() else { break }
                group.addTask { try await body(item) }
            }
            while let result = try await group.next() {
                results.append(result)
                if let item = next.next() { group.addTask { try await body(item) } }
            }
            return results
        }
    }
}
