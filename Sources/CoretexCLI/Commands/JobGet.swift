import ArgumentParser
import CoretexProtocol

struct JobGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Show a job: state, history, safety decision, labels and result.")

    @Argument(help: "Job id.") var id: String
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let detail = try await global.client().job(id)
        let printer = Printer(output)
        switch output.output {
        case .table, .wide: JobView.describe(detail, printer: printer)
        default: try printer.value(detail)
        }
    }
}

struct JobResult: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "result", abstract: "Print a job's result JSON alone (for pipes).",
        discussion: "Exits 1 when the job has no result yet, 5 when it ended without success.")

    @Argument(help: "Job id.") var id: String
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let detail = try await global.client().job(id)
        guard let result = detail.result else {
            if JobWaiter.finalStates.contains(detail.state), detail.state != "SUCCEEDED" {
                throw CtxError("job \(id) ended \(detail.state)" + (detail.errorMessage.map { ": \($0)" } ?? ""), status: .jobFailed)
            }
            throw CtxError("job \(id) has no result yet (state \(detail.state)); use `ctx job wait \(id)`")
        }
        Out.line(try Printer.encode(result, .json))
    }
}

struct JobWait: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait", abstract: "Wait until jobs are final; exit 5 if any did not succeed.")

    @Argument(help: "Job ids.") var ids: [String]
    @Option(help: ArgumentHelp("Give up after this long.", valueName: "span")) var timeout: String = "10m"
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !ids.isEmpty else { throw ValidationError("give at least one job id") }
        guard TimeText.parseSpan(timeout) != nil else { throw ValidationError("--timeout: not a duration: \(timeout)") }
    }

    func run() async throws {
        let client = try global.client()
        let printer = Printer(output)
        let waiter = JobWaiter(client: client, printer: printer, follow: false)
        var failed: [String] = []
        var details: [JobDetail] = []
        for id in ids {
            let detail = try await waiter.wait(for: id, timeout: TimeText.parseSpan(timeout)!)
            details.append(detail)
            if detail.state != "SUCCEEDED" { failed.append("\(id) \(detail.state)") }
        }
        if output.output.isMachine {
            try printer.list(details)
        } else {
            var t = Table([.init(header: "ID", flexible: true), .init(header: "STATE"), .init(header: "ERROR", flexible: true)])
            for d in details { t.add([.init(d.id), .init(d.state, Style.colour(forState: d.state)), .init(d.errorMessage ?? "")]) }
            printer.table(t)
        }
        if !failed.isEmpty { throw CtxError("not succeeded: " + failed.joined(separator: ", "), status: .jobFailed) }
    }
}
