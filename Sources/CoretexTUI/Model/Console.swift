import CoretexCore
import CoretexProtocol
import Foundation

/// The console's state and its reaction to keys: a pure state machine (no curses, no
/// network), which the app drives and tests exercise directly.
public struct Console: Sendable {
    public enum Mode: Sendable, Equatable {
        case normal
        case palette(String)
        case filter(String)
        /// Asks y/n before a destructive effect.
        case confirm(String, Effect)
        /// Asks for a rejection reason.
        case reason(StepRef, String)
    }

    public enum Connection: Sendable, Equatable {
        case connecting, connected, down(String)
    }

    public var stack: [View] = [.jobs]
    public var data = ConsoleData()
    public var lists: [View.Kind: ListState] = [:]
    public var mode: Mode = .normal
    public var connection: Connection = .connecting
    public var message: String?
    public var gateway: String
    public var readonly: Bool
    public var streamPaused = false
    public var keyMap: KeyMap
    /// Set by the renderer: clickable areas and the number of list rows on screen.
    public var buttons: [Button] = []
    public var pageSize = 10

    public init(gateway: String, readonly: Bool = false, keyMap: KeyMap = KeyMap()) {
        self.gateway = gateway
        self.readonly = readonly
        self.keyMap = keyMap
    }

    public var view: View { stack.last ?? .jobs }

    public func list(_ kind: View.Kind) -> ListState { lists[kind] ?? ListState() }

    /// The rows of the current list view after filtering and sorting.
    public var rows: [Row] { Rows.rows(for: view, in: self) }

    public var selectedRow: Row? {
        let rows = rows
        let state = list(view.kind)
        return rows.indices.contains(state.selected) ? rows[state.selected] : nil
    }

    // MARK: Keys

    public mutating func handle(_ key: Key) -> [Effect] {
        switch mode {
        case .normal: return normal(key)
        case .palette(let text): return edit(text, key, done: { s, text in s.runPalette(text) }, update: { .palette($0) })
        case .filter(let text):
            let effects = edit(text, key, done: { _, _ in [] }, update: { .filter($0) })
            // The filter applies as it is typed, and stays after enter.
            if case .filter(let t) = mode { lists[view.kind, default: ListState()].filter = t; clampSelection() }
            return effects
        case .confirm(_, let effect):
            mode = .normal
            if key == .char("y") || key == .char("Y") { return [effect] }
            message = "cancelled"
            return []
        case .reason(let ref, let text):
            return edit(
                text, key,
                done: { s, reason in
                    guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { s.message = "a rejection needs a reason"; return [] }
                    return [.reject(ref, reason: reason)]
                }, update: { .reason(ref, $0) })
        }
    }

    /// Line editing for the palette, filter and reason prompts.
    private mutating func edit(_ text: String, _ key: Key, done: (inout Console, String) -> [Effect], update: (String) -> Mode) -> [Effect]
    {
        switch key {
        case .escape:
            if case .filter = mode { lists[view.kind, default: ListState()].filter = "" }
            mode = .normal
            return []
        case .enter:
            mode = .normal
            return done(&self, text)
        case .backspace:
            mode = update(String(text.dropLast()))
        case .tab:
            if case .palette = mode { mode = .palette(Palette.complete(text)) }
        case .char(let c):
            mode = update(text + String(c))
        default:
            break
        }
        return []
    }

    private mutating func normal(_ key: Key) -> [Effect] {
        switch key {
        case .click(let row, let col): return click(row: row, col: col)
        case .scrollUp: return perform(.up)
        case .scrollDown: return perform(.down)
        case .resize: return []
        default: break
        }
        guard let action = keyMap.action(for: key, in: view.kind) else { return [] }
        return perform(action)
    }

    public mutating func perform(_ action: Action) -> [Effect] {
        message = nil
        let count = rows.count
        switch action {
        case .quit: return [.quit]
        case .help: push(.help)
        case .back:
            if stack.count > 1 { stack.removeLast() } else if !list(view.kind).filter.isEmpty { lists[view.kind]?.filter = "" }
        case .up: lists[view.kind, default: ListState()].move(-1, count: count, page: pageSize)
        case .down: lists[view.kind, default: ListState()].move(1, count: count, page: pageSize)
        case .pageUp: lists[view.kind, default: ListState()].move(-pageSize, count: count, page: pageSize)
        case .pageDown: lists[view.kind, default: ListState()].move(pageSize, count: count, page: pageSize)
        case .top: lists[view.kind, default: ListState()].move(-count, count: count, page: pageSize)
        case .bottom: lists[view.kind, default: ListState()].move(count, count: count, page: pageSize)
        case .palette: mode = .palette("")
        case .filter: mode = .filter(list(view.kind).filter)
        case .sort:
            let columns = Rows.headers(for: view.kind).count
            guard columns > 0 else { break }
            let next = (list(view.kind).sortColumn.map { $0 + 1 } ?? 0)
            lists[view.kind, default: ListState()].sortColumn = next >= columns ? nil : next
            message = lists[view.kind]?.sortColumn.map { "sorted by \(Rows.headers(for: view.kind)[$0])" } ?? "default order"
        case .mark:
            if let row = selectedRow {
                lists[view.kind, default: ListState()].toggleMark(row.key)
                return perform(.down)
            }
        case .jobs: switchTo(.jobs)
        case .runs: switchTo(.runs)
        case .approvals: switchTo(.approvals)
        case .workers: switchTo(.workers)
        case .stream: switchTo(.stream)
        case .dlq: switchTo(.dlq)
        case .pause:
            streamPaused.toggle()
            message = streamPaused ? "stream paused" : "stream resumed"
        case .open: return open()
        case .trace: return openTrace()
        case .memory: return openMemory()
        case .cancel, .approve, .reject, .retry, .delete: return act(action)
        }
        return []
    }

    private mutating func push(_ v: View) { if view != v { stack.append(v) } }

    private mutating func switchTo(_ v: View) {
        stack = [v]
    }

    private mutating func open() -> [Effect] {
        guard let row = selectedRow else { return [] }
        switch view.kind {
        case .jobs, .dlq: push(.job(row.key)); return [.load(.job(row.key))]
        case .runs: push(.run(row.key)); return [.load(.run(row.key))]
        case .approvals: if let run = row.key.split(separator: "/").first.map(String.init) { push(.run(run)); return [.load(.run(run))] }
        case .run, .trace: if !row.key.isEmpty { push(.job(row.key)); return [.load(.job(row.key))] }
        default: break
        }
        return []
    }

    private mutating func openTrace() -> [Effect] {
        let trace: String?
        switch view {
        case .job(let id): trace = data.jobDetails[id]?.traceID
        case .run(let id): trace = id
        case .jobs: trace = selectedRow.flatMap { row in data.jobs.first { $0.id == row.key }?.traceID }
        case .runs: trace = selectedRow?.key
        default: trace = nil
        }
        guard let trace, !trace.isEmpty else { return [] }
        push(.trace(trace))
        return [.load(.trace(trace))]
    }

    private mutating func openMemory() -> [Effect] {
        let id: String?
        switch view {
        case .job(let j): id = j
        case .jobs: id = selectedRow?.key
        default: id = nil
        }
        guard let id else { return [] }
        let finished = data.jobDetails[id]?.result != nil || data.jobs.first { $0.id == id }?.state == "SUCCEEDED"
        let ref = finished ? "redis://res:\(id)" : "redis://ctx:\(id)"
        push(.memory(ref))
        return [.load(.memory(ref))]
    }

    /// The selected item, or every marked one: what a bulk action applies to.
    private func targets() -> [String] {
        let marks = list(view.kind).marks
        if !marks.isEmpty { return marks.sorted() }
        return selectedRow.map { [$0.key] } ?? []
    }

    private mutating func act(_ action: Action) -> [Effect] {
        guard !readonly else { message = "read-only: \(action.rawValue) is disabled"; return [] }
        switch (action, view) {
        case (.cancel, .jobs):
            let ids = targets()
            guard !ids.isEmpty else { return [] }
            mode = .confirm("Cancel \(ids.count == 1 ? "job \(ids[0])" : "\(ids.count) jobs")? [y/N]", .cancelJobs(ids))
        case (.cancel, .job(let id)):
            mode = .confirm("Cancel job \(id)? [y/N]", .cancelJobs([id]))
        case (.cancel, .runs), (.cancel, .run):
            guard let id = view.kind == .run ? { if case .run(let r) = view { r } else { nil } }() : selectedRow?.key else { return [] }
            mode = .confirm("Cancel run \(id)? [y/N]", .cancelRun(id))
        case (.approve, .approvals):
            let refs = targets().compactMap(Self.stepRef)
            guard !refs.isEmpty else { return [] }
            lists[.approvals]?.marks = []
            return [.approve(refs)]
        case (.reject, .approvals):
            guard let ref = selectedRow.flatMap({ Self.stepRef($0.key) }) else { return [] }
            mode = .reason(ref, "")
        case (.retry, .dlq):
            let ids = targets()
            guard !ids.isEmpty else { return [] }
            lists[.dlq]?.marks = []
            return [.retryDeadLetters(ids)]
        case (.retry, .job(let id)):
            return [.retryDeadLetters([id])]
        case (.delete, .dlq):
            let ids = targets()
            guard !ids.isEmpty else { return [] }
            mode = .confirm("Delete \(ids.count == 1 ? "entry \(ids[0])" : "\(ids.count) entries")? [y/N]", .deleteDeadLetters(ids))
        default:
            break
        }
        return []
    }

    static func stepRef(_ key: String) -> StepRef? {
        let parts = key.split(separator: "/", maxSplits: 1)
        return parts.count == 2 ? StepRef(run: String(parts[0]), step: String(parts[1])) : nil
    }

    private mutating func click(row: Int, col: Int) -> [Effect] {
        guard case .normal = mode, let button = buttons.first(where: { $0.contains(row: row, col: col) }) else { return [] }
        switch button.target {
        case .approve(let ref):
            guard !readonly else { message = "read-only: approve is disabled"; return [] }
            return [.approve([ref])]
        case .reject(let ref):
            guard !readonly else { message = "read-only: reject is disabled"; return [] }
            mode = .reason(ref, "")
            return []
        case .row(let index):
            let count = rows.count
            lists[view.kind, default: ListState()].selected = index
            lists[view.kind, default: ListState()].clamp(count: count, page: pageSize)
            return []
        }
    }

    private mutating func runPalette(_ text: String) -> [Effect] {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1).map(String.init)
        guard let command = parts.first else { return [] }
        let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : nil
        switch (command, argument) {
        case ("jobs", _): switchTo(.jobs)
        case ("runs", _): switchTo(.runs)
        case ("approvals", _): switchTo(.approvals)
        case ("workers", _): switchTo(.workers)
        case ("stream", _): switchTo(.stream)
        case ("dlq", _): switchTo(.dlq)
        case ("help", _): push(.help)
        case ("q", _), ("quit", _): return [.quit]
        case ("job", let id?): push(.job(id)); return [.load(.job(id))]
        case ("run", let id?): push(.run(id)); return [.load(.run(id))]
        case ("trace", let id?): push(.trace(id)); return [.load(.trace(id))]
        case ("memory", let ref?): push(.memory(ref)); return [.load(.memory(ref))]
        default:
            message = "unknown command :\(text) (try :jobs :runs :approvals :workers :stream :dlq :trace ID :memory PTR)"
        }
        return []
    }

    /// After new data, keeps every list's selection valid.
    public mutating func clampSelection() {
        let count = rows.count
        lists[view.kind, default: ListState()].clamp(count: count, page: pageSize)
    }
}

/// `:` commands and their completion.
public enum Palette {
    public static let commands = [
        "jobs", "runs", "approvals", "workers", "stream", "dlq", "help", "job ", "run ", "trace ", "memory ", "quit",
    ]

    /// Completes to the single command that starts with `text`, or their common prefix.
    public static func complete(_ text: String) -> String {
        let matches = commands.filter { $0.hasPrefix(text) }
        guard let first = matches.first else { return text }
        if matches.count == 1 { return first }
        var prefix = first
        for m in matches.dropFirst() { while !m.hasPrefix(prefix) { prefix.removeLast() } }
        return prefix.count > text.count ? prefix : text
    }
}
