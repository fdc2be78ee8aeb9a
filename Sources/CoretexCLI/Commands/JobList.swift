import ArgumentParser
import CoretexClient
import CoretexProtocol
import Foundation

struct JobList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List jobs, newest first.",
        discussion: """
            Pages through the gateway's cursor: --limit is the page size; --all fetches every \
            page; the table view prints the cursor of the next page on stderr.

            Examples:
              ctx job list --state failed --since 1h
              ctx job list --label run_id=r1 -o jsonl
              ctx job list -w
            """,
        aliases: ["ls"])

    @Option(help: "Only jobs in this state (e.g. RUNNING, failed).") var state: String?
    @Option(help: "Only jobs of this topic.") var topic: String?
    @Option(name: .customLong("label"), help: ArgumentHelp("Only jobs with this label (repeatable).", valueName: "k=v"))
    var labels: [String] = []
    @Option(help: ArgumentHelp("Only jobs updated within this span (30s, 5m, 2h, 7d).", valueName: "span"))
    var since: String?
    @Option(help: "Page size (1–1000).") var limit: Int = 50
    @Option(help: "Continue from this cursor (printed after a full page).") var cursor: Int64?
    @Flag(help: "Fetch every page.") var all = false
    @Flag(name: [.customShort("w"), .long], help: "Watch: redraw every --interval until interrupted.") var watch = false
    @Option(help: ArgumentHelp("Watch interval.", valueName: "span")) var interval: String = "2s"
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be between 1 and 1000") }
        if let since, TimeText.parseSpan(since) == nil { throw ValidationError("--since: not a duration: \(since)") }
        guard let seconds = TimeText.parseSpan(interval), seconds > 0 else {
            throw ValidationError("--interval: not a duration: \(interval)")
        }
        _ = try LabelList.parse(labels)
    }

    func filter() throws -> JobFilter {
        var f = JobFilter()
        f.state = state
        f.topic = topic
        f.tenant = global.tenant
        f.labels = try LabelList.parse(labels)
        f.limit = limit
        f.cursor = cursor
        if let since { f.updatedAfter = Int(Date().timeIntervalSince1970) - TimeText.parseSpan(since)! }
        return f
    }

    func run() async throws {
        let client = try global.client()
        let printer = Printer(output)
        guard watch else { return try await once(client, printer) }
        while true {
            if printer.terminal.isTTY {
                Out.line(
                    "\u{1B}[H\u{1B}[2J" + "Every \(interval): ctx job list    \(Date().formatted(.dateTime.hour().minute().second()))\n")
            }
            try await once(client, printer)
            try await Task.sleep(for: .seconds(TimeText.parseSpan(interval)!))
        }
    }

    private func once(_ client: GatewayClient, _ printer: Printer) async throws {
        var f = try filter()
        var items: [JobRecord] = []
        var next: Int64?
        repeat {
            let page = try await client.jobs(f)
            items += page.items
            next = page.nextCursor
            f.cursor = next
        } while all && next != nil
        if output.output.isMachine {
            if output.output == .jsonl {
                try printer.list(items)
            } else {
                try printer.value(CoretexProtocol.JobList(items: items, nextCursor: next))
            }
        } else {
            if items.isEmpty { Out.error("no jobs found") } else { printer.table(JobView.table(items)) }
            if let next, !all { Out.error("more: ctx job list --cursor \(next)") }
        }
    }
}

struct JobCancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel jobs that have not finished.")

    @Argument(help: "Job ids.") var ids: [String]
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func validate() throws { guard !ids.isEmpty else { throw ValidationError("give at least one job id") } }

    func run() async throws {
        let client = try global.client()
        let printer = Printer(output)
        var responses: [CancelJobResponse] = []
        defer { if output.output.isMachine { try? printer.list(responses) } }
        try await Repeat.each(ids, "job") { id in
            let r = try await client.cancel(id)
            responses.append(r)
            if !output.output.isMachine {
                Out.line(r.reason == nil ? "job \(id) cancelled" : "job \(id) not cancelled: \(r.reason!) (\(r.state))")
            }
        }
    }
}
