import ArgumentParser
import CoretexClient
import CoretexCore
import CoretexProtocol
import Foundation

struct ApprovalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approvals", abstract: "The inbox: every workflow step waiting for a human, oldest first.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let items = try await global.client().approvals()
        let printer = Printer(output)
        if output.output.isMachine { return try printer.list(items) }
        if items.isEmpty { return Out.error("no approvals waiting") }
        var t = Table([
            .init(header: "RUN", flexible: true, minWidth: 8), .init(header: "STEP", flexible: true),
            .init(header: "WORKFLOW", flexible: true), .init(header: "WAITING"), .init(header: "INPUT", flexible: true, wideOnly: true),
        ])
        for a in items {
            let waiting = a.waitingSince.flatMap { try? Date($0, strategy: .iso8601) }.map {
                TimeText.age(seconds: Date().timeIntervalSince($0))
            }
            t.add([
                .init(a.runID), .init(a.stepName.isEmpty ? a.stepID : "\(a.stepID) (\(a.stepName))"),
                .init(a.workflowName.isEmpty ? a.workflowID : a.workflowName), .init(waiting ?? "-"),
                .init(a.runInput.flatMap { try? Printer.encode($0, .jsonl) } ?? ""),
            ])
        }
        printer.table(t)
    }
}

struct ApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "approve", abstract: "Approve a waiting step; the run continues.")
    @Argument(help: "Run id.") var run: String
    @Argument(help: "Step id.") var step: String
    @Option(help: "Why (recorded on the run).") var reason: String?
    @Option(help: ArgumentHelp("Who decides (default: $USER).", valueName: "name")) var approver: String?
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await Decision.send(approved: true, run: run, step: step, reason: reason, approver: approver, global: global)
        Out.line("step \(step) of run \(run) approved")
    }
}

struct RejectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject", abstract: "Reject a waiting step; the run fails with the reason.")
    @Argument(help: "Run id.") var run: String
    @Argument(help: "Step id.") var step: String
    @Option(help: "Why (required; recorded on the run and in its error).") var reason: String
    @Option(help: ArgumentHelp("Who decides (default: $USER).", valueName: "name")) var approver: String?
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--reason must not be empty") }
    }

    func run() async throws {
        try await Decision.send(approved: false, run: run, step: step, reason: reason, approver: approver, global: global)
        Out.line("step \(step) of run \(run) rejected")
    }
}

enum Decision {
    static func send(approved: Bool, run: String, step: String, reason: String?, approver: String?, global: GlobalOptions) async throws {
        let client = try global.client()
        let found = try await client.run(run)
        let who = approver ?? ProcessInfo.processInfo.environment["USER"]
        try await client.decide(found, step: step, ApprovalDecision(approved: approved, approver: who, reason: reason))
    }
}
