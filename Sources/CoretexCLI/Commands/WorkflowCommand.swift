import ArgumentParser
import CoretexClient
import CoretexCore
import CoretexProtocol
import Foundation
import Yams

struct WorkflowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflow", abstract: "Create, list and show workflow definitions.",
        subcommands: [WorkflowCreate.self, WorkflowList.self, WorkflowGet.self], aliases: ["wf"])
}

struct WorkflowCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create or replace a workflow from a YAML or JSON file.",
        discussion: """
            The gateway validates the definition (dependencies, cycles, step ids, expressions, \
            topics) and names the step and the problem when it refuses it.

            Example: ctx workflow create -f config/workflows/approval-deploy.yaml
            """)

    @Option(name: .shortAndLong, help: ArgumentHelp("Definition file (YAML or JSON; - for stdin).", valueName: "file"))
    var file: String
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let text = try Files.readText(file)
        let document: JSONValue
        do {
            document = try YAMLDecoder().decode(JSONValue.self, from: text)
        } catch {
            throw CtxError("\(file): not valid YAML or JSON (\(error))")
        }
        guard document.isObject else { throw CtxError("\(file): a workflow must be an object with \"steps\"") }
        let id = try await global.client().saveWorkflow(json: try JSONEncoder().encode(document))
        if output.output.isMachine { try Printer(output).value(CreateWorkflowResponse(id: id)) } else { Out.line("workflow \(id) saved") }
    }
}

struct WorkflowList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List workflows, newest first.", aliases: ["ls"])
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let workflows = try await global.client().workflows()
        let printer = Printer(output)
        if output.output.isMachine { return try printer.list(workflows) }
        if workflows.isEmpty { return Out.error("no workflows") }
        var t = Table([
            .init(header: "ID", flexible: true), .init(header: "NAME", flexible: true), .init(header: "STEPS"),
            .init(header: "TIMEOUT"), .init(header: "UPDATED"), .init(header: "DESCRIPTION", flexible: true, wideOnly: true),
        ])
        for w in workflows {
            t.add([
                .init(w.id), .init(w.name), .init(String(w.steps.count)), .init(w.timeoutSec > 0 ? "\(w.timeoutSec)s" : "-"),
                .init(w.updatedAt.map { TimeText.age(seconds: Date().timeIntervalSince($0)) } ?? "-"), .init(w.description),
            ])
        }
        printer.table(t)
    }
}

struct WorkflowGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Show a workflow: its steps in execution order.")
    @Argument(help: "Workflow id.") var id: String
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let w = try await global.client().workflow(id)
        let printer = Printer(output)
        if output.output.isMachine { return try printer.value(w) }
        Out.lines(
            ["Workflow:    \(w.id)", "Name:        \(w.name)", "Timeout:     \(w.timeoutSec > 0 ? "\(w.timeoutSec)s" : "none")"]
                + (w.description.isEmpty ? [] : ["Description: \(w.description)"]))
        var t = Table([
            .init(header: "STEP"), .init(header: "TYPE"), .init(header: "TOPIC", flexible: true),
            .init(header: "DEPENDS ON", flexible: true), .init(header: "CONDITION / FOR EACH", flexible: true),
        ])
        for stepID in WorkflowPlanner.executionOrder(of: w) {
            guard let step = w.steps[stepID] else { continue }
            let extra = [step.hasCondition ? "if \(step.condition)" : nil, step.isForEach ? "for each \(step.forEach)" : nil]
                .compactMap { $0 }.joined(separator: "; ")
            t.add([
                .init(stepID), .init(step.type.rawValue.isEmpty ? "worker" : step.type.rawValue),
                .init(step.type.isApproval ? "-" : w.topic(of: step)), .init(step.dependsOn.joined(separator: ", ")), .init(extra),
            ])
        }
        Out.line("")
        printer.table(t)
    }
}
