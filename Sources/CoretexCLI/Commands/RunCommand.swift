import ArgumentParser
import CoretexClient
import CoretexCore
import CoretexProtocol
import Foundation

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Start, inspect, wait for and cancel workflow runs.",
        subcommands: [RunStart.self, RunList.self, RunGet.self, RunTimeline.self, RunCancel.self])
}

struct RunStart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Start a run of a workflow.",
        discussion: """
            Examples:
              ctx run start approval-deploy --input '{"version":"1.4.2"}' --follow
              echo '{"topic":"x"}' | ctx run start fan-out --input - --wait -o json
            """)

    @Argument(help: "Workflow id.") var workflow: String
    @Option(help: ArgumentHelp("The run input: a JSON object, or - for stdin.", valueName: "json")) var input: String?
    @Flag(help: "Wait until the run is final; exit 5 unless it succeeded.") var wait = false
    @Flag(help: "Print step changes as they happen until the run is final (implies --wait).") var follow = false
    @Option(help: ArgumentHelp("Give up waiting after this long.", valueName: "span")) var timeout: String = "30m"
    @Option(
        name: .customLong("idempotency-key"),
        help: ArgumentHelp(
            "Start at most once: a repeat with the same key within 24 h gets the first run's id (another input: an error).",
            valueName: "key"))
    var idempotencyKey: String?
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard TimeText.parseSpan(timeout) != nil else { throw ValidationError("--timeout: not a duration: \(timeout)") }
    }

    func run() async throws {
        var value: JSONValue?
        if let input {
            let text = input == "-" ? try Files.readText("-") : input
            value = try JSONInput.parse(text, what: "--input")
            guard value?.isObject == true else { throw CtxError("--input must be a JSON object") }
        }
        let client = try global.client()
        let printer = Printer(output)
        let runID = try await client.startRun(workflow: workflow, input: value, idempotencyKey: idempotencyKey)
        guard wait || follow else {
            if output.output.isMachine { return try printer.value(StartRunResponse(runID: runID)) }
            return Out.line("run \(runID) started")
        }
        if !output.output.isMachine { Out.line("run \(runID) started") }
        let run = try await RunWaiter(client: client, printer: printer, follow: follow).wait(
            for: runID, timeout: TimeText.parseSpan(timeout)!)
        try RunWaiter.report(run, printer: printer)
    }
}

struct RunList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List runs, most recently updated first.", aliases: ["ls"])
    @Argument(help: "Only runs of this workflow.") var workflow: String?
    @Option(help: "Only runs in this status (pending, running, waiting, succeeded, failed, cancelled, timed_out).")
    var status: String?
    @Option(help: "At most this many.") var limit: Int = 50
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let status, RunStatus(rawValue: status.lowercased()) == nil { throw ValidationError("--status: unknown status \(status)") }
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be between 1 and 1000") }
    }

    func run() async throws {
        let runs = try await global.client().runs(
            workflow: workflow, status: status.flatMap { RunStatus(rawValue: $0.lowercased()) }, limit: limit)
        let printer = Printer(output)
        if output.output.isMachine { return try printer.list(runs) }
        if runs.isEmpty { return Out.error("no runs") }
        var t = Table([
            .init(header: "RUN", flexible: true, minWidth: 8), .init(header: "WORKFLOW", flexible: true),
            .init(header: "STATUS"), .init(header: "STEPS"), .init(header: "AGE"), .init(header: "DURATION"),
            .init(header: "ERROR", flexible: true, wideOnly: true),
        ])
        for r in runs {
            let done = r.steps.values.filter { $0.status.isTerminal }.count
            t.add([
                .init(r.id), .init(r.workflowID), .init(r.status.rawValue, Style.colour(forState: r.status.rawValue)),
                .init("\(done)/\(r.steps.count)"), .init(r.createdAt.map { TimeText.age(seconds: Date().timeIntervalSince($0)) } ?? "-"),
                .init(RunView.duration(r.startedAt, r.completedAt)), .init(r.error?.message ?? ""),
            ])
        }
        printer.table(t)
    }
}

struct RunGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Show a run: status, input, steps and context.")
    @Argument(help: "Run id.") var id: String
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let run = try await global.client().run(id)
        let printer = Printer(output)
        if output.output.isMachine { return try printer.value(run) }
        Out.lines(RunView.describe(run, style: printer.style))
    }
}

struct RunTimeline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline", abstract: "The steps of a run in order: status, attempts, start offset and duration.")
    @Argument(help: "Run id.") var id: String
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let run = try await global.client().run(id)
        let printer = Printer(output)
        let rows = RunView.timeline(run)
        if output.output.isMachine { return try printer.list(rows) }
        printer.table(RunView.table(rows))
    }
}

struct RunCancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel runs; their running step jobs are cancelled too.")
    @Argument(help: "Run ids.") var ids: [String]
    @OptionGroup var global: GlobalOptions

    func validate() throws { guard !ids.isEmpty else { throw ValidationError("give at least one run id") } }

    func run() async throws {
        let client = try global.client()
        try await Repeat.each(ids, "run") { id in
            try await client.cancelRun(try await client.run(id))
            Out.line("run \(id) cancelled")
        }
    }
}

/// Polls a run until it is final, printing step changes when following.
struct RunWaiter {
    let client: GatewayClient
    let printer: Printer
    let follow: Bool

    func wait(for id: String, timeout seconds: Int) async throws -> WorkflowRun {
        var seen: [String: String] = [:]
        var lastStatus: RunStatus?
        return try await Repeat.poll(
            "run \(id)", timeout: seconds, fetch: { try await client.run(id) },
            observe: { run in
                guard follow else { return }
                if run.status != lastStatus { try emit(run.id, "run", run.status.rawValue, nil) }
                lastStatus = run.status
                for row in RunView.timeline(run) where seen[row.step] != row.status {
                    seen[row.step] = row.status
                    try emit(run.id, row.step, row.status, row.error)
                }
            },
            isFinal: { $0.status.isTerminal }, describe: { $0.status.rawValue })
    }

    private func emit(_ run: String, _ what: String, _ status: String, _ error: String?) throws {
        if printer.format.isMachine {
            struct Line: Encodable { let run_id: String; let step: String; let status: String; let error: String?; let at: String }
            Out.line(
                try Printer.encode(Line(run_id: run, step: what, status: status, error: error, at: Date().formatted(.iso8601)), .jsonl))
        } else {
            let time = Date().formatted(.dateTime.hour(.twoDigits(amPM: .omitted)).minute(.twoDigits).second(.twoDigits))
            Out.line(
                "\(time)  \(what.padding(toLength: max(12, what.count), withPad: " ", startingAt: 0))  "
                    + printer.style.paint(status, Style.colour(forState: status)) + (error.map { "  \($0)" } ?? ""))
        }
    }

    static func report(_ run: WorkflowRun, printer: Printer) throws {
        if printer.format.isMachine { try printer.value(run) } else { Out.lines(RunView.describe(run, style: printer.style)) }
        guard run.status == .succeeded else {
            let why = run.error?.message ?? RunView.timeline(run).first { $0.error != nil }?.error
            throw CtxError("run \(run.id) ended \(run.status.rawValue)" + (why.map { ": \($0)" } ?? ""), status: .jobFailed)
        }
    }
}
