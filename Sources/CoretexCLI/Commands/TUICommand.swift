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
            e.g. `approve: A`. Colours: ~/.config/ctx/colors.yaml (colour: name, bright-name or \
            0-255), e.g. `cyan: blue`; NO_COLOR turns them off.
            """)

    @Flag(help: "Look, don't touch: cancel, approve, reject, retry and delete are disabled.") var readonly = false
    @Flag(name: .customLong("no-mouse"), help: "Leave the mouse to the terminal (for copy and paste).") var noMouse = false
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        var keyMap = KeyMap()
        try Self.applyOverrides("keys.yaml") { keyMap.apply(overrides: $0) }
        var scheme = ColourScheme.standard
        try Self.applyOverrides("colors.yaml") { scheme.apply(overrides: $0) }
        guard Terminal.stdinIsTTY, isatty(STDOUT_FILENO) == 1 else { throw CtxError("ctx tui needs a terminal", status: .usage) }
        let app = ConsoleApp(endpoint: try global.endpoint(), readonly: readonly, keyMap: keyMap)
        let colours = ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        await app.run(screen: CursesScreen(colours: colours, mouse: !noMouse, scheme: scheme))
    }

    /// Reads `name: value` pairs from a file next to the contexts file, if there is one; a file
    /// that does not parse, or names something unknown, stops the console with the reason.
    static func applyOverrides(_ file: String, _ apply: ([String: String]) -> [String]) throws {
        let path = (ContextFile.defaultPath() as NSString).deletingLastPathComponent + "/" + file
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        let pairs: [String: String]
        do {
            pairs = try YAMLDecoder().decode([String: String].self, from: text)
        } catch {
            throw CtxError("\(path): not a map of name: value (\(error))")
        }
        let problems = apply(pairs)
        if !problems.isEmpty { throw CtxError("\(path): " + problems.joined(separator: "; ")) }
    }
}
