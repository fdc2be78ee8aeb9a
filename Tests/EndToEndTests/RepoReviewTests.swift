import CoretexInfra
import CoretexTestSupport
import Foundation
import Testing

/// The repository review pipeline end to end: a git repository the test builds itself,
/// reviewed through the real stack (scan, SAST, partition, lint, model review, tests, report)
/// with the fake Ollama, and the inputs that must fail cleanly.
@Suite(.serialized) struct RepoReviewTests {
    let fake: FakeOllamaProcess
    let stack: Stack
    let root = NSTemporaryDirectory() + "coretex-repos-\(UUID().uuidString.prefix(8))"

    init() async throws {
        fake = try await FakeOllamaProcess()
        stack = try await Stack(environment: [
            "OLLAMA_URL": fake.url, "REPO_MAX_BYTES": "200000", "REPO_MAX_FILE_BYTES": "120000",
        ]).ready()
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    /// A git repository with `files` committed (paths → contents), plus symlinks.
    func repository(_ name: String, _ files: [String: String], symlinks: [String: String] = [:], binary: [String: Data] = [:])
        async throws -> String
    {
        let dir = "\(root)/\(name)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (path, text) in files {
            let url = URL(fileURLWithPath: "\(dir)/\(path)")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        for (path, data) in binary { try data.write(to: URL(fileURLWithPath: "\(dir)/\(path)")) }
        for (path, target) in symlinks { try FileManager.default.createSymbolicLink(atPath: "\(dir)/\(path)", withDestinationPath: target) }
        try await git(dir, "init", "-q", "-b", "main")
        if !files.isEmpty || !symlinks.isEmpty || !binary.isEmpty {
            try await git(dir, "add", "-A")
            try await git(dir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init")
        }
        return dir
    }

    func git(_ dir: String, _ args: String...) async throws {
        let p = try ManagedProcess(
            name: "git", executable: "/usr/bin/git", arguments: ["-C", dir] + args,
            logFile: NSTemporaryDirectory() + "git-\(UUID().uuidString.prefix(6)).log")
        guard p.waitForExit(timeout: 30) == 0 else { throw StackError("git \(args) failed in \(dir)") }
    }

    func review(_ body: [String: Any]) async throws -> String {
        let (status, reply) = try await stack.post(
            "/api/v1/repo-review", json: String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self))
        guard status == 200, let id = (try JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any])?["job_id"] as? String
        else {
            throw StackError("repo-review → \(status): \(reply)")
        }
        return id
    }

    static let app = """
        import os
        import sys


        def run(user):
            os.system("ls " + user)
            return 1
        """
    static let tests = """
        import unittest


        class T(unittest.TestCase):
            def test_fails(self):
                self.assertEqual(1, 2)
        """

    @Test func aRepositoryIsReviewedThroughTheWholePipeline() async throws {
        let dir = try await repository(
            "sample",
            [
                "app.py": Self.app,
                "config.py": "AWS_KEY = \"AKIAIOSFODNN7EXAMPLE\"\n",
                "scripts/deploy.sh": "#!/bin/sh\necho $1\n",
                "web/calc.js": "function add(a, b) { return a + b }\nmodule.exports = add\n",
                "test_app.py": Self.tests,
                "README.md": "# sample\n",
                "data/big.txt": String(repeating: "x", count: 130_000),
            ], symlinks: ["passwd.txt": "/etc/passwd"],
            binary: [
                "logo.png": Data([0x89, 0x50, 0x4E, 0x47, 0, 0, 1, 2]),  // not included by the globs: left out silently
                "fixture.json": Data([0x7B, 0, 0, 1, 2, 0x7D]),  // included, but binary: skipped with a note
            ])
        let ctx = CtxRunner(stack: stack)
        let run = try await ctx("repo", "review", dir, "--run-tests", "--test-command", "python3 -m unittest", "--wait", "-o", "json")
        #expect(run.status == 0, "\(run)\n\(stack.log.suffix(4000))")
        let report = try #require(run.json as? [String: Any])

        // SAST: the planted secret and the planted injection, with file and line.
        let sast = report["sast"] as? [[String: Any]] ?? []
        let secret = sast.first { $0["file_path"] as? String == "config.py" }
        #expect(secret?["severity"] as? String == "high" && secret?["line"] as? Int == 1, "\(sast)")
        #expect((secret?["snippet"] as? String)?.contains("AKIAIOSFODNN7EXAMPLE") == false)  // redacted
        let injection = sast.first { $0["file_path"] as? String == "app.py" }
        #expect(injection?["line"] as? Int == 6, "\(sast)")

        // Per-file reviews from the model, with lint findings attached.
        let files = report["files"] as? [[String: Any]] ?? []
        #expect(
            Set(files.compactMap { $0["file_path"] as? String }) == [
                "app.py", "config.py", "scripts/deploy.sh", "web/calc.js", "test_app.py",
            ])
        for file in files {
            #expect((file["explanation"] as? String)?.hasPrefix("[mock] As a senior engineer") == true, "\(file)")
            #expect(file["error"] == nil)
        }
        let app = files.first { $0["file_path"] as? String == "app.py" } ?? [:]
        #expect(
            (app["lint"] as? [[String: Any]])?.contains { ($0["message"] as? String)?.contains("'sys' imported but unused") == true }
                == true, "\(app)")
        let deploy = files.first { $0["file_path"] as? String == "scripts/deploy.sh" } ?? [:]
        #expect(
            (deploy["lint"] as? [[String: Any]])?.contains { ($0["message"] as? String)?.contains("SC2086") == true } == true, "\(deploy)")

        // The failing test, and what was skipped.
        let tests = report["tests"] as? [String: Any] ?? [:]
        #expect(tests["ran"] as? Bool == true && tests["passed"] as? Bool == false, "\(tests)")
        #expect((tests["output_tail"] as? String)?.contains("AssertionError") == true)
        let notes = report["notes"] as? [String] ?? []
        #expect(notes.contains { $0.hasPrefix("fixture.json: binary") }, "\(notes)")
        #expect(!notes.contains { $0.contains("logo.png") }, "\(notes)")
        #expect(notes.contains { $0.hasPrefix("passwd.txt: symlink pointing outside the repository") }, "\(notes)")
        #expect(notes.contains { $0.hasPrefix("data/big.txt: 130000 bytes") }, "\(notes)")
        #expect(report["action_required"] as? Bool == true)
        #expect((report["markdown"] as? String)?.contains("config.py") == true)

        // Fan-out and fan-in in one trace, every child under the review.
        let jobs = try await stack.json("/api/v1/jobs?topic=job.workflow.repo.code_review&limit=5")
        let parent = try #require((jobs["items"] as? [[String: Any]])?.first)
        let trace = try await stack.jsonArray("/api/v1/traces/\(parent["trace_id"] as? String ?? "")")
        let topics = trace.compactMap { $0["topic"] as? String }
        for topic in ["job.repo.scan", "job.repo.sast", "job.repo.partition", "job.repo.lint", "job.repo.tests", "job.repo.report"] {
            #expect(topics.contains(topic), "\(topics)")
        }
        #expect(topics.filter { $0 == "job.code.llm" }.count == 5 && topics.filter { $0 == "job.chat.simple" }.count == 5)
        #expect(
            trace.filter { $0["id"] as? String != parent["id"] as? String }.allSatisfy {
                $0["parent_job_id"] as? String == parent["id"] as? String
            })

        // Without --wait -o json the report prints as Markdown.
        let markdown = try await ctx("repo", "review", dir, "--max-files", "2", "--wait")
        #expect(markdown.status == 0 && markdown.stdout.hasPrefix("#"), "\(markdown)")
    }

    @Test func badSourcesEndInAFinalStateWithAReason() async throws {
        let empty = try await repository("empty", [:])
        let notGit = "\(root)/plain"
        try FileManager.default.createDirectory(atPath: notGit, withIntermediateDirectories: true)
        let large = try await repository("large", (1...3).reduce(into: [:]) { $0["f\($1).txt"] = String(repeating: "y", count: 100_000) })
        let good = try await repository("good", ["a.py": "x = 1\n"])
        let cases: [([String: Any], String)] = [
            (["local_path": empty], "the repository is empty"),
            (["local_path": notGit], "git clone failed"),
            (["repo_url": "https://127.0.0.1:1/nothing.git"], "git clone failed"),
            (["local_path": good, "branch": "no-such-branch"], "git clone failed"),
            (["local_path": large], "larger than the configured limit"),
            (["local_path": "/etc"], "REPO_LOCAL_ROOTS"),
            (["repo_url": "ext::sh -c touch% /tmp/pwned"], "unsupported repository URL"),
        ]
        for (body, reason) in cases {
            let id = try await review(body)
            let detail = try await stack.waitFor(id, state: "FAILED", timeout: .seconds(60))
            #expect((detail["error_message"] as? String)?.contains(reason) == true, "\(body): \(detail["error_message"] ?? "")")
        }

        // A test command off the allow-list is not run; the review still completes and says why.
        let id = try await review(["local_path": good, "run_tests": true, "test_command": "rm -rf /"])
        let report = try await stack.waitFor(id, state: "SUCCEEDED", timeout: .seconds(60))["result"] as? [String: Any] ?? [:]
        let tests = report["tests"] as? [String: Any] ?? [:]
        #expect(tests["ran"] as? Bool == false && (tests["note"] as? String)?.contains("not on the allow-list") == true, "\(tests)")

        // Refused at the gateway.
        let (missing, missingBody) = try await stack.post("/api/v1/repo-review", json: #"{"branch":"main"}"#)
        #expect(missing == 400 && missingBody.contains("repo_url or local_path required"))
        let (negative, negativeBody) = try await stack.post("/api/v1/repo-review", json: #"{"repo_url":"https://x/y","max_files":-1}"#)
        #expect(negative == 400 && negativeBody.contains("limits must be non-negative"))
    }

    @Test func cancellingAReviewCancelsItsChildren() async throws {
        try await fake.script([["contains": "Review this file", "delay_ms": 30_000, "response": "late"]])
        let dir = try await repository("slow", ["a.py": "x = 1\n", "b.py": "y = 2\n"])
        let id = try await review(["local_path": dir])
        var reviewing: [String] = []
        let started = await eventually(timeout: .seconds(30)) {
            let trace =
                (try? await self.stack.jsonArray(
                    "/api/v1/traces/\((try? await self.stack.json("/api/v1/jobs/\(id)"))?["trace_id"] as? String ?? "")")) ?? []
            reviewing = trace.filter { $0["topic"] as? String == "job.code.llm" && $0["state"] as? String == "RUNNING" }.compactMap {
                $0["id"] as? String
            }
            return !reviewing.isEmpty
        }
        #expect(started)
        let (status, _) = try await stack.post("/api/v1/jobs/\(id)/cancel", json: "")
        #expect(status == 200)
        for child in reviewing { _ = try await stack.waitFor(child, state: "CANCELLED", timeout: .seconds(20)) }
    }
}
