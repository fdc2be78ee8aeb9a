import ArgumentParser
import CoretexProtocol
import Foundation

struct DLQCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq", abstract: "The dead-letter queue: jobs that ended without success.",
        subcommands: [DLQList.self, DLQRetry.self, DLQDelete.self], defaultSubcommand: DLQList.self)
}

struct DLQList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List dead-letter entries, newest first.", aliases: ["ls"])

    @Option(help: "At most this many entries.") var limit: Int = 100
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let entries = try await global.client().deadLetters(limit: limit)
        let printer = Printer(output)
        if output.output.isMachine { return try printer.list(entries) }
        if entries.isEmpty { return Out.error("the dead-letter queue is empty") }
        var t = Table([
            .init(header: "JOB", flexible: true, minWidth: 8), .init(header: "TOPIC", flexible: true),
            .init(header: "STATUS"), .init(header: "AGE"), .init(header: "REASON", flexible: true, minWidth: 10),
        ])
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for e in entries {
            let status = e.status.map { $0.replacingOccurrences(of: "JOB_STATUS_", with: "") } ?? "-"
            let age = parser.date(from: e.createdAt).map { TimeText.age(seconds: Date().timeIntervalSince($0)) } ?? "-"
            t.add([.init(e.jobID), .init(e.topic ?? "-"), .init(status, Style.colour(forState: status)), .init(age), .init(e.reason ?? "")])
        }
        printer.table(t)
    }
}

struct DLQRetry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "retry", abstract: "Resubmit dead-lettered jobs as new jobs.")

    @Argument(help: "Job ids of entries.") var ids: [String]
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func validate() throws { guard !ids.isEmpty else { throw ValidationError("give at least one job id") } }

    func run() async throws {
        let client = try global.client()
        var responses: [DLQRetryResponse] = []
        defer { if output.output.isMachine { try? Printer(output).list(responses) } }
        try await Repeat.each(ids, "dead-letter entry") { id in
            let r = try await client.retryDeadLetter(id)
            responses.append(r)
            if !output.output.isMachine { Out.line("job \(id) retried as \(r.jobID)") }
        }
    }
}

struct DLQDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete dead-letter entries.", aliases: ["rm"])

    @Argument(help: "Job ids of entries.") var ids: [String]
    @Flag(name: .shortAndLong, help: "Do not ask for confirmation (required without a terminal).") var yes = false
    @OptionGroup var global: GlobalOptions

    func validate() throws { guard !ids.isEmpty else { throw ValidationError("give at least one job id") } }

    func run() async throws {
        try Confirm.ask("delete \(ids.count) dead-letter entr\(ids.count == 1 ? "y" : "ies")?", yes: yes)
        let client = try global.client()
        try await Repeat.each(ids, "dead-letter entry") { id in
            try await client.deleteDeadLetter(id)
            Out.line("entry \(id) deleted")
        }
    }
}

/// Destructive commands ask first, on a terminal only; without one they need `--yes`.
enum Confirm {
    static func ask(_ question: String, yes: Bool) throws {
        if yes { return }
        guard Terminal.stdinIsTTY else {
            throw CtxError("refusing to \(question.dropLast()) without a terminal; pass --yes", status: .usage)
        }
        FileHandle.standardError.write(Data("\(question) [y/N] ".utf8))
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard answer == "y" || answer == "yes" else { throw CtxError("aborted") }
    }
}
