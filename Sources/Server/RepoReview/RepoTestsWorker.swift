import CoretexCore
import CoretexWorkers
import Foundation

/// `job.repo.tests`: runs the repository's tests in a throwaway copy (docs/repo-review.md,
/// "job.repo.tests"). Only commands on the allow-list run (`REPO_TEST_ALLOWLIST`), never any
/// shell command the API is given. The copy is deleted afterwards, the environment is reduced to
/// PATH, a HOME inside the copy and the locale, and a time limit kills the whole process
/// group. Failing tests are a result (`passed: false`), not a failed job.
public struct RepoTestsWorker: JobHandler {
    let workspace: RepoWorkspace
    let limits: RepoLimits

    package init(workspace: RepoWorkspace, limits: RepoLimits) {
        self.workspace = workspace
        self.limits = limits
    }

    struct Input: Decodable {
        var archive_ptr: String
        var test_command: String
        var timeout_sec: Int?
    }

    public func handle(_ job: JobInput) async throws -> Data {
        let input = try RepoInput.decode(Input.self, from: job)
        let command = input.test_command.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard limits.testAllowlist.contains(command) else {
            throw RepoError(
                "test command \"\(command)\" is not on the allow-list (REPO_TEST_ALLOWLIST: \(limits.testAllowlist.joined(separator: "; ")))"
            )
        }
        let timeout = input.timeout_sec.flatMap { $0 > 0 ? $0 : nil } ?? 600
        let outcome = try await workspace.withCheckout(input.archive_ptr) { root in
            let env = ProcessInfo.processInfo.environment
            return try await Subprocess(
                executable: "sh", arguments: ["-c", command], directory: root,
                environment: ["PATH": env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin", "HOME": root, "LANG": "C.UTF-8"],
                timeoutSeconds: timeout, outputLimit: 64 * 1024
            ).run()
        }
        struct Result: Encodable {
            var command: String
            var exit_code: Int32
            var passed: Bool
            var timed_out: Bool
            var output_tail: String
        }
        return try JSONEncoder.sorted.encode(
            Result(
                command: command, exit_code: outcome.status, passed: outcome.status == 0, timed_out: outcome.timedOut,
                output_tail: String(outcome.output.suffix(4096))))
    }
}
