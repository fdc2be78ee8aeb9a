import CoretexCore
import Foundation
import Testing

@testable import CoretexGateway
@testable import CoretexRepoReview
@testable import CoretexRuntime

@Suite struct RepoSourceTests {
    let limits: RepoLimits = {
        var l = RepoLimits()
        l.localRoots = [NSTemporaryDirectory()]
        return l
    }()

    @Test func remoteURLsAreCheckedBeforeGitSeesThem() throws {
        #expect(
            try RepoSource.resolve(url: "https://github.com/a/b.git", localPath: nil, limits: limits)
                == .remote("https://github.com/a/b.git"))
        #expect(try RepoSource.resolve(url: "git@github.com:a/b.git", localPath: "", limits: limits) == .remote("git@github.com:a/b.git"))
        for bad in ["ext::sh -c id", "-uhello", "ftp://x/y", "/etc"] {
            #expect(throws: RepoError.self, "\(bad)") { try RepoSource.resolve(url: bad, localPath: nil, limits: limits) }
        }
        #expect(throws: RepoError.self) { try RepoSource.resolve(url: "https://x/y", localPath: "/tmp", limits: limits) }
        #expect(throws: RepoError.self) { try RepoSource.resolve(url: nil, localPath: nil, limits: limits) }
    }

    @Test func localRepositoriesOnlyUnderTheAllowedRoots() throws {
        let dir = NSTemporaryDirectory() + "repo-source-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try RepoSource.resolve(url: nil, localPath: dir, limits: limits).cloneURL.hasSuffix(dir.split(separator: "/").last!))
        #expect(
            try RepoSource.resolve(url: "file://\(dir)", localPath: nil, limits: limits)
                == RepoSource.resolve(url: nil, localPath: dir, limits: limits))
        #expect(throws: RepoError.self) { try RepoSource.resolve(url: nil, localPath: "/etc", limits: limits) }
        #expect(throws: RepoError.self) { try RepoSource.resolve(url: nil, localPath: "relative/path", limits: limits) }
        #expect(throws: RepoError.self) { try RepoSource.resolve(url: nil, localPath: dir + "/missing", limits: limits) }
        #expect(throws: RepoError.self) { try RepoSource.resolve(url: nil, localPath: dir, limits: RepoLimits()) }  // no roots: none
    }
}

@Suite struct RepoLintParsingTests {
    @Test func linterOutputBecomesFindingsForTheBatchOnly() {
        let shellcheck = """
            scripts/deploy.sh:2:6: note: Double quote to prevent globbing and word splitting. [SC2086]
            other.sh:1:1: error: not in this batch [SC1000]
            """
        let findings = RepoLintWorker.parse(shellcheck, tool: "shellcheck", rule: "shellcheck", paths: ["scripts/deploy.sh"])
        #expect(
            findings == [
                ReviewReport.LintFinding(
                    file_path: "scripts/deploy.sh", line: 2, column: 6, rule: "shellcheck", severity: "info",
                    message: "Double quote to prevent globbing and word splitting. [SC2086]", tool: "shellcheck")
            ])

        let pyflakes = "./app.py:2:1: 'sys' imported but unused\n"
        let py = RepoLintWorker.parse(pyflakes, tool: "pyflakes3", rule: "pyflakes", paths: ["app.py"])
        #expect(py.map(\.file_path) == ["app.py"] && py.first?.line == 2 && py.first?.severity == "warning")

        let gofmt = RepoLintWorker.parse("main.go\n", tool: "gofmt", rule: "gofmt", paths: ["main.go"])
        #expect(gofmt.first?.message == "not gofmt-formatted")
    }
}

@Suite struct RepoOrchestrationTests {
    @Test func boundedRunsEverythingWithAtMostTheLimitAtOnce() async throws {
        final class Gauge: @unchecked Sendable {
            let lock = NSLock()
            var now = 0
            var peak = 0
            func enter() {
                lock.withLock {
                    now += 1; peak = max(peak, now)
                }
            }
            func leave() { lock.withLock { now -= 1 } }
        }
        let gauge = Gauge()
        let results = try await RepoReviewOrchestrator.bounded(Array(0..<20), limit: 3) { i -> Int in
            gauge.enter()
            defer { gauge.leave() }
            await Task.yield()
            return i * 2
        }
        #expect(results.sorted() == (0..<20).map { $0 * 2 })
        #expect(gauge.peak <= 3 && gauge.peak >= 1)
    }
}
