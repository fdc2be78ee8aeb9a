import ArgumentParser
import CoretexClient
import CoretexTUI
import Foundation
import Yams

struct TUICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tui", abstract: "Open the operator console: live jobs, runs, approvals, workers, stream, DLQ.",
        discussion: """
            Keys: 1-6 switch views, enter opens, esc goes back, : command palette, / filter, \
            ? help (generated from the key table). Approve with a, reject with r, or click \
            [Approve] / [Reject]. Key overrides: ~/.config/ctx/keys.yaml (action: key), \
            e.g. `approve: A`. Colours follow NO_COLOR.
            """)

    @Flag(help: "Look, don't touch: cancel, approve, reject, retry and delete are disabled.") var readonly = false
    @Flag(name: .customLong("no-mouse"), help: "Leave the mouse to the terminal (for copy and paste).") var noMouse = false
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        guard Terminal.stdinIsTTY, isatty(STDOUT_FILENO) == 1 else { throw CtxError("ctx tui needs a terminal", status: .usage) }
        var keyMap = KeyMap()
        let keysFile = (ContextFile.defaultPath() as NSString).deletingLastPathComponent + "/keys.yaml"
        if let text = try? String(contentsOfFile: keysFile, encoding: .utf8) {
            let overrides = (try? YAMLDecoder().decode([String: String].self, from: text)) ?? [:]
            let problems = keyMap.apply(overrides: overrides)
            if !problems.isEmpty { throw CtxError("\(keysFile): " + problems.joined(separator: "; ")) }
        }
        let app = ConsoleApp(endpoint: try global.endpoint(), readonly: readonly, keyMap: keyMap)
        let colours = ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        await app.run(screen: CursesScreen(colours: colours, mouse: !noMouse))
    }
}
