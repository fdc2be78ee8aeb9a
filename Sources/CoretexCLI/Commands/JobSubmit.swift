import ArgumentParser
import CoretexClient
import CoretexProtocol
import Foundation

struct JobSubmit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a job to a topic.",
        discussion: """
            The prompt comes from exactly one of --prompt, --json, --file, or `-` (stdin). \
            With --json the object is sent as the job's structured context and its "prompt" \
            field (or the JSON text itself) as the prompt.

            Examples:
              ctx job submit job.echo --prompt hi --wait
              echo 'explain this' | ctx job submit job.chat.simple - --follow
              ctx job submit job.echo --json '{"prompt":"hi","n":3}' --label run_id=nightly -o json
            """)

    @Argument(help: "Topic, e.g. job.echo (must start with job.).")
    var topic: String

    @Argument(help: ArgumentHelp("`-` to read the prompt from stdin.", valueName: "-"))
    var stdin: String?

    @Option(help: "The prompt text.")
    var prompt: String?

    @Option(help: "A JSON object: the job's structured context.")
    var json: String?

    @Option(name: .customLong("file"), help: ArgumentHelp("Read the prompt from this file.", valueName: "file"))
    var file: String?

    @Option(help: "Scheduling priority.")
    var priority: Priority?

    @Option(
        name: .customLong("label"),
        help: ArgumentHelp(
            "A label key=value (repeatable). Labels other than workflow bookkeeping (run_id, step_id, …) are placement constraints: only workers advertising them take the job.",
            valueName: "k=v"))
    var labels: [String] = []

    @Option(name: .customLong("memory-id"), help: "Conversation memory id.")
    var memoryID: String?

    @Option(
        name: .customLong("idempotency-key"),
        help: ArgumentHelp(
            "Submit at most once: a repeat with the same key within 24 h gets the first one's id (another body: an error).",
            valueName: "key"))
    var idempotencyKey: String?

    @Flag(help: "Wait until the job is final; the exit code reflects the outcome (5 unless it succeeded).")
    var wait = false

    @Flag(help: "Print the job's state changes as they happen, until it is final (implies --wait).")
    var follow = false

    @Option(help: ArgumentHelp("Give up waiting after this long (e.g. 30s, 5m).", valueName: "span"))
    var timeout: String = "10m"

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    enum Priority: String, ExpressibleByArgument, CaseIterable { case interactive, batch, critical }

    func validate() throws {
        let sources = [prompt != nil, json != nil, file != nil, stdin != nil].filter { $0 }.count
        guard sources == 1 else {
            throw ValidationError("give the prompt with exactly one of --prompt, --json, --file or - (stdin)")
        }
        if let stdin, stdin != "-" { throw ValidationError("unexpected argument '\(stdin)' (use - for stdin)") }
        _ = try LabelList.parse(labels)
        guard TimeText.parseSpan(timeout) != nil else { throw ValidationError("--timeout: not a duration: \(timeout)") }
    }

    func run() async throws {
        var request = SubmitJobRequest(prompt: nil, topic: topic)
        if let prompt {
            request.prompt = prompt
        } else if let json {
            let value = try JSONInput.parse(json, what: "--json")
            guard case .object = value else { throw CtxError("--json must be a JSON object") }
            request.context = value
            request.prompt = value["prompt"]?.stringValue ?? json
        } else if let file {
            request.prompt = try Files.readText(file)
        } else {
            request.prompt = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        request.priority = priority?.rawValue
        request.memoryID = memoryID
        let labelMap = try LabelList.parse(labels)
        if !labelMap.isEmpty { request.labels = labelMap }

        let client = try global.client()
        let printer = Printer(output)
        let response = try await client.submit(request, idempotencyKey: idempotencyKey)
        guard wait || follow else {
            if output.output.isMachine {
                try printer.value(response)
            } else {
                Out.line("job \(response.jobID) submitted (trace \(response.traceID))")
            }
            return
        }
        if follow, !output.output.isMachine {
            Out.line("job \(response.jobID) submitted (trace \(response.traceID))")
        }
        let detail = try await JobWaiter(client: client, printer: printer, follow: follow)
            .wait(for: response.jobID, timeout: TimeText.parseSpan(timeout)!)
        try JobWaiter.report(detail, printer: printer)
    }
}

/// `key=value` options into a map.
enum LabelList {
    static func parse(_ items: [String]) throws -> [String: String] {
        var labels: [String: String] = [:]
        for item in items {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--label wants key=value, got \"\(item)\"") }
            labels[String(parts[0])] = String(parts[1])
        }
        return labels
    }
}
