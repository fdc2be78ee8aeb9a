/// What a key does. The same table dispatches keys and generates the `?` help, so the help
/// can never disagree with the behaviour.
public enum Action: String, Sendable, CaseIterable {
    case quit, help, back, up, down, pageUp, pageDown, top, bottom, open
    case palette, filter, sort, mark
    case jobs, runs, approvals, workers, stream, dlq
    case cancel, approve, reject, retry, delete, trace, memory, pause
}

public struct KeyBinding: Sendable, Equatable {
    public var key: Key
    public var action: Action
    public var help: String
    /// Views where it applies; empty means everywhere.
    public var views: Set<View.Kind>

    public init(_ key: Key, _ action: Action, _ help: String, _ views: Set<View.Kind> = []) {
        self.key = key
        self.action = action
        self.help = help
        self.views = views
    }
}

public struct KeyMap: Sendable {
    public var bindings: [KeyBinding]

    public init(bindings: [KeyBinding] = KeyMap.defaults) { self.bindings = bindings }

    public func action(for key: Key, in view: View.Kind) -> Action? {
        bindings.first { $0.key == key && ($0.views.isEmpty || $0.views.contains(view)) }?.action
    }

    /// Bindings that apply in a view (global ones last), for the help screen.
    public func help(for view: View.Kind) -> [KeyBinding] {
        bindings.filter { $0.views.contains(view) } + bindings.filter { $0.views.isEmpty }
    }

    /// Overrides from `~/.config/ctx/keys.yaml`-style pairs `action: key`; unknown names are
    /// reported, not ignored.
    public mutating func apply(overrides: [String: String]) -> [String] {
        var problems: [String] = []
        for (actionName, keyName) in overrides.sorted(by: { $0.key < $1.key }) {
            guard let action = Action(rawValue: actionName) else { problems.append("unknown action \"\(actionName)\""); continue }
            guard let key = Key(name: keyName) else { problems.append("unknown key \"\(keyName)\" for \(actionName)"); continue }
            for i in bindings.indices where bindings[i].action == action { bindings[i].key = key }
        }
        return problems
    }

    public static let defaults: [KeyBinding] = [
        KeyBinding(.char("a"), .approve, "approve the selected (or marked) steps", [.approvals]),
        KeyBinding(.char("r"), .reject, "reject the selected step (asks for a reason)", [.approvals]),
        KeyBinding(.char("c"), .cancel, "cancel the selected (or marked) jobs", [.jobs, .job]),
        KeyBinding(.char("c"), .cancel, "cancel the selected run", [.runs, .run]),
        KeyBinding(.char("R"), .retry, "retry the selected (or marked) dead letters", [.dlq, .job]),
        KeyBinding(.char("d"), .delete, "delete the selected (or marked) dead letters", [.dlq]),
        KeyBinding(.char("t"), .trace, "open the job's trace", [.jobs, .job, .runs, .run]),
        KeyBinding(.char("m"), .memory, "open the job's context / result", [.jobs, .job]),
        KeyBinding(.char("p"), .pause, "pause / resume the tail", [.stream]),
        KeyBinding(.char(" "), .mark, "mark / unmark for a bulk action", [.jobs, .approvals, .dlq]),
        KeyBinding(.char("s"), .sort, "sort by the next column", [.jobs, .runs, .workers, .dlq]),
        KeyBinding(.enter, .open, "open the selected item"),
        KeyBinding(.char("1"), .jobs, "jobs"),
        KeyBinding(.char("2"), .runs, "workflow runs"),
        KeyBinding(.char("3"), .approvals, "approvals inbox"),
        KeyBinding(.char("4"), .workers, "workers"),
        KeyBinding(.char("5"), .stream, "live stream"),
        KeyBinding(.char("6"), .dlq, "dead letters"),
        KeyBinding(.char(":"), .palette, "command palette (:jobs :runs :approvals :workers :stream :dlq :trace ID :memory PTR)"),
        KeyBinding(.char("/"), .filter, "filter rows by regex (!re inverts)"),
        KeyBinding(.up, .up, "move up"),
        KeyBinding(.char("k"), .up, "move up"),
        KeyBinding(.down, .down, "move down"),
        KeyBinding(.char("j"), .down, "move down"),
        KeyBinding(.pageUp, .pageUp, "page up"),
        KeyBinding(.pageDown, .pageDown, "page down"),
        KeyBinding(.char("g"), .top, "first row"),
        KeyBinding(.char("G"), .bottom, "last row"),
        KeyBinding(.escape, .back, "back"),
        KeyBinding(.char("?"), .help, "this help"),
        KeyBinding(.char("q"), .quit, "quit"),
    ]
}
