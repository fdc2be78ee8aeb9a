import ArgumentParser
import CoretexProtocol
import Foundation

struct MemoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Show a context, a result or a conversation.",
        discussion: """
            Accepts a pointer (redis://ctx:<job>, redis://res:<job>), a key (ctx:…, res:…, mem:…) \
            or a bare memory id, which shows its conversation (mem:<id>:events).

            Examples:
              ctx memory redis://res:7f3c…
              ctx memory chat-42            # the conversation of memory id chat-42
              ctx memory ctx:7f3c… -o json  # the raw view, with size and base64
            """)

    @Argument(help: "Pointer, key or memory id.") var reference: String
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    /// What to ask the gateway for.
    static func pointer(for reference: String) -> String {
        let r = reference.trimmingCharacters(in: .whitespaces)
        if r.hasPrefix("redis://") || r.hasPrefix("ctx:") || r.hasPrefix("res:") || r.hasPrefix("mem:") { return r }
        return "mem:\(r):events"
    }

    func run() async throws {
        let view = try await global.client().memory(pointer: Self.pointer(for: reference))
        let printer = Printer(output)
        if output.output.isMachine { return try printer.value(view) }
        if view.kind == "memory", let turns = Conversation.turns(view.json), !turns.isEmpty {
            Out.lines(Conversation.lines(turns, style: printer.style))
        } else if let json = view.json {
            Out.line(try Printer.encode(json, .json))
        } else {
            Out.line(view.text ?? "<\(view.sizeBytes) bytes of binary data; use -o json for base64>")
        }
    }
}

/// A `mem:<id>:events` list read as a conversation: `{"role": …, "content": …}` turns.
enum Conversation {
    struct Turn: Equatable {
        var role: String
        var content: String
    }

    static func turns(_ wrapper: JSONValue?) -> [Turn]? {
        guard case .array(let items)? = wrapper?["items"] else { return nil }
        return items.compactMap { item in
            guard let role = item["role"]?.stringValue else { return nil }
            return Turn(role: role, content: item["content"]?.stringValue ?? item["text"]?.stringValue ?? "")
        }
    }

    static func lines(_ turns: [Turn], style: Style) -> [String] {
        turns.flatMap { turn -> [String] in
            let colour: Style.Colour = turn.role == "user" ? .cyan : turn.role == "assistant" ? .green : .grey
            let body = turn.content.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
            return [style.paint(turn.role + ":", colour)] + body
        }
    }
}
