import ArgumentParser
import CoretexClient
import CoretexProtocol
import Foundation

/// `ctx chat`: a conversation on `job.chat.advanced`. Every line is one job on the same
/// memory id, so the model sees the earlier turns; `ctx memory ID` shows the conversation.
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with the model, with memory (one job.chat.advanced job per message).",
        discussion: """
            Reads messages from stdin, one per line, and prints each answer. /history shows the \
            conversation so far, /exit (or Ctrl-D) ends. The memory id is printed at the start \
            (on stderr); pass it again with --memory-id to continue later. Answers go to stdout, \
            so `ctx chat < questions.txt > answers.txt` works; the exit status is 5 if any \
            message failed.

            Examples:
              ctx chat
              ctx chat --memory-id support-42 --message "and what about Tuesday?"
              ctx memory support-42
            """)

    @Option(name: .customLong("memory-id"), help: "Conversation to continue (default: a new chat-<id>).")
    var memoryID: String?

    @Option(help: "Send this one message, print the answer and exit.")
    var message: String?

    @Option(help: ArgumentHelp("Give up on an answer after this long (e.g. 90s, 5m).", valueName: "span"))
    var timeout: String = "5m"

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard TimeText.parseSpan(timeout) != nil else { throw ValidationError("--timeout: not a duration: \(timeout)") }
        if let message, message.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--message is empty") }
    }

    func run() async throws {
        let client = try global.client()
        let printer = Printer(output)
        let memory = memoryID ?? "chat-" + UUID().uuidString.prefix(8).lowercased()
        let conversation = ChatSession(client: client, printer: printer, memoryID: memory, timeout: TimeText.parseSpan(timeout)!)
        if let message {
            guard try await conversation.send(message) else { throw CtxError.reported(.jobFailed) }
            return
        }
        let interactive = Terminal.stdinIsTTY
        Out.error("conversation \(memory)  (/history shows it, /exit ends; later: ctx chat --memory-id \(memory))")
        var failed = false
        reading: while true {
            if interactive { Out.prompt("you> ") }
            guard let line = readLine() else { break }
            let text = line.trimmingCharacters(in: .whitespaces)
            switch text {
            case "": continue
            case "/exit", "/quit": break reading
            case "/history": try await conversation.history()
            default: if try await !conversation.send(text) { failed = true }
            }
        }
        if failed { throw CtxError.reported(.jobFailed) }
    }
}

/// One conversation: sends turns, prints answers, shows the history.
struct ChatSession {
    let client: GatewayClient
    let printer: Printer
    let memoryID: String
    let timeout: Int

    /// Sends one message and prints the answer; false (with the reason on stderr) when the
    /// job did not succeed. Gateway errors (bad memory id, gateway down) are thrown.
    func send(_ text: String) async throws -> Bool {
        var request = SubmitJobRequest(prompt: text, topic: "job.chat.advanced")
        request.memoryID = memoryID
        let submitted = try await client.submit(request)
        let detail = try await JobWaiter(client: client, printer: printer, follow: false).wait(for: submitted.jobID, timeout: timeout)
        let response = detail.result?["response"]?.stringValue
        if printer.format.isMachine {
            struct Turn: Encodable { let job_id, memory_id, state: String; let response, error: String? }
            Out.line(
                try Printer.encode(
                    Turn(job_id: detail.id, memory_id: memoryID, state: detail.state, response: response, error: detail.errorMessage),
                    printer.format == .jsonl ? .jsonl : .json))
        } else if detail.state == "SUCCEEDED" {
            Out.line(response ?? "")
        }
        guard detail.state == "SUCCEEDED" else {
            Out.error("ctx: job \(detail.id) ended \(detail.state)" + (detail.errorMessage.map { ": \($0)" } ?? ""))
            return false
        }
        return true
    }

    func history() async throws {
        let view = try await client.memory(pointer: "mem:\(memoryID):events")
        Out.lines(Conversation.lines(Conversation.turns(view.json) ?? [], style: printer.style))
    }
}
