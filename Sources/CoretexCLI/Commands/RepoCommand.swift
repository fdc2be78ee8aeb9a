import ArgumentParser
import CoretexClient
import CoretexProtocol
import Foundation

struct RepoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repo", abstract: "Review git repositories.", subcommands: [RepoReview.self])
}

struct RepoReview: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Review a git repository: SAST, lint, a model review per file, tests, one report.",
        discussion: """
            SOURCE is a URL (https://, ssh://, git@host:path, file://) or a local repository \
            directory, which the workers read where they run (allowed only under the server's \
            REPO_LOCAL_ROOTS). With --wait the report is printed as Markdown (-o json for the \
            whole result); the exit status is 5 if the review did not complete.

            Examples:
              ctx repo review https://github.com/acme/api --branch main --max-files 50 --wait
              ctx repo review . --run-tests --test-command "python3 -m pytest" --wait
            """)

    @Argument(help: "Repository URL or local directory.") var source: String
    @Option(help: "Branch to review (default: the remote's default branch).") var branch: String?
    @Option(name: .customLong("max-files"), help: "Review at most this many files.") var maxFiles: Int?
    @Option(
        name: .customLong("include"),
        help: ArgumentHelp("Glob of files to include (repeatable; ** crosses directories).", valueName: "glob"))
    var include: [String] = []
    @Option(name: .customLong("exclude"), help: ArgumentHelp("Glob of files to exclude (repeatable).", valueName: "glob"))
    var exclude: [String] = []
    @Flag(name: .customLong("run-tests"), help: "Run the repository's tests (an allow-listed command).") var runTests = false
    @Option(name: .customLong("test-command"), help: "The test command (must be on the server's allow-list).") var testCommand: String?
    @Flag(help: "Wait for the report and print it.") var wait = false
    @Option(help: ArgumentHelp("Give up waiting after this long.", valueName: "span")) var timeout: String = "30m"
    @Option(
        name: .customLong("idempotency-key"),
        help: ArgumentHelp(
            "Review at most once: a repeat with the same key within 24 h gets the first review's id (another request: an error).",
            valueName: "key"))
    var idempotencyKey: String?
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let maxFiles, maxFiles < 0 { throw ValidationError("--max-files must be ≥ 0") }
        guard TimeText.parseSpan(timeout) != nil else { throw ValidationError("--timeout: not a duration: \(timeout)") }
    }

    func run() async throws {
        var request = RepoReviewRequest()
        var isDirectory: ObjCBool = false
        if !source.contains("://"), !source.contains("@"), FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw CtxError("\(source) is a file, not a repository directory") }
            request.localPath = URL(fileURLWithPath: source).standardizedFileURL.path
        } else {
            request.repoURL = source
        }
        request.branch = branch
        request.maxFiles = maxFiles
        request.includeGlobs = include.isEmpty ? nil : include
        request.excludeGlobs = exclude.isEmpty ? nil : exclude
        request.runTests = runTests
        request.testCommand = testCommand

        let client = try global.client()
        let printer = Printer(output)
        let response = try await client.repoReview(request, idempotencyKey: idempotencyKey)
        guard wait else {
            if output.output.isMachine { return try printer.value(response) }
            Out.line("review \(response.jobID) submitted (trace \(response.traceID); follow with ctx trace \(response.traceID))")
            return
        }
        let detail = try await JobWaiter(client: client, printer: printer, follow: false)
            .wait(for: response.jobID, timeout: TimeText.parseSpan(timeout)!)
        guard detail.state == "SUCCEEDED" else { return try JobWaiter.report(detail, printer: printer) }
        if output.output.isMachine { return try printer.value(detail.result ?? .null) }
        Out.line(detail.result?["markdown"]?.stringValue ?? "the review finished without a report")
    }
}
