import CoretexCore
import CoretexProtocol
import Foundation

/// Draws the console into a screen: header with the approvals badge, view tabs, the current
/// view, the prompt line and the status line. Returns the clickable areas and how many list
/// rows fit, which the console needs for mouse clicks and paging.
public enum Renderer {
    public struct Layout: Equatable {
        public var buttons: [Button]
        public var pageSize: Int
    }

    static let minRows = 10

    public static func draw(_ c: Console, on screen: Screen, now: Date = Date()) -> Layout {
        screen.clear()
        let rows = screen.rows, cols = screen.cols
        guard rows >= minRows, cols >= 40 else {
            screen.put(0, 0, "terminal too small (\(cols)x\(rows)); need at least 80x24", .bold)
            screen.flush()
            return Layout(buttons: [], pageSize: 1)
        }
        header(c, screen)
        let bodyTop = 3, bodyBottom = rows - 3  // inclusive
        var layout = Layout(buttons: [], pageSize: max(1, bodyBottom - bodyTop))
        switch c.view.kind {
        case .jobs, .runs, .approvals, .workers, .dlq, .run, .trace:
            layout = list(c, screen, top: 2, bottom: bodyBottom)
        case .stream:
            text(c, screen, lines: c.data.stream.map { ($0, TextStyle.plain) }, top: 2, bottom: bodyBottom, follow: !c.streamPaused)
        case .job, .memory, .help:
            text(c, screen, lines: detailLines(c), top: 2, bottom: bodyBottom, follow: false)
        }
        footer(c, screen)
        screen.flush()
        return layout
    }

    // MARK: Parts

    private static func header(_ c: Console, _ screen: Screen) {
        let connection: (String, TextStyle) =
            switch c.connection {
            case .connecting: ("connecting…", TextStyle(.yellow))
            case .connected: ("connected", TextStyle(.green))
            case .down(let why): ("DOWN: \(why)", TextStyle(.red, bold: true))
            }
        screen.put(0, 0, " Coretex ", TextStyle(.cyan, bold: true, reverse: true))
        var col = 10
        screen.put(0, col, c.gateway, .plain)
        col += c.gateway.count + 2
        screen.put(0, col, connection.0, connection.1)
        col += connection.0.count + 2
        if c.readonly { screen.put(0, col, "[read-only]", TextStyle(.yellow)); col += 13 }
        let badge = " Approvals: \(c.data.approvals.count) "
        screen.put(
            0, max(col, screen.cols - badge.count), badge,
            c.data.approvals.isEmpty ? .plain : TextStyle(.yellow, bold: true, reverse: true))
        let tabs: [(String, View.Kind)] = [
            ("1 Jobs", .jobs), ("2 Runs", .runs), ("3 Approvals", .approvals),
            ("4 Workers", .workers), ("5 Stream", .stream), ("6 DLQ", .dlq),
        ]
        var x = 0
        for (title, kind) in tabs {
            let active = c.stack.first?.kind == kind
            screen.put(1, x, " \(title) ", active ? TextStyle(bold: true, reverse: true) : .plain)
            x += title.count + 3
        }
        if c.stack.count > 1 || c.view.kind == .help {
            let crumb = " > " + c.stack.dropFirst().map(\.title).joined(separator: " > ")
            screen.put(1, x, String(crumb.prefix(max(0, screen.cols - x))), TextStyle(.cyan))
        }
    }

    private static func footer(_ c: Console, _ screen: Screen) {
        let prompt: (String, TextStyle)? =
            switch c.mode {
            case .normal: c.message.map { ($0, TextStyle(.yellow)) }
            case .palette(let t): (":" + t, .bold)
            case .filter(let t): ("/" + t, .bold)
            case .confirm(let q, _): (q, TextStyle(.red, bold: true))
            case .reason(let ref, let t): ("Reject \(ref.step) of \(ref.run) — reason: \(t)", TextStyle(.red, bold: true))
            }
        if let prompt { screen.put(screen.rows - 2, 0, prompt.0, prompt.1) }
        let filter = c.list(c.view.kind).filter
        let hints = "? help  : command  / filter  esc back  q quit" + (filter.isEmpty ? "" : "   filter: \(filter)")
        screen.put(screen.rows - 1, 0, String(hints.prefix(screen.cols)), TextStyle(.grey))
    }

    /// A table with a header row; approvals get [Approve] [Reject] buttons on every row.
    private static func list(_ c: Console, _ screen: Screen, top: Int, bottom: Int) -> Layout {
        let kind = c.view.kind
        let headers = Rows.headers(for: kind)
        let rows = c.rows
        let state = c.list(kind)
        let page = max(1, bottom - top)
        let buttonsWidth = kind == .approvals ? 20 : 0
        var widths = headers.indices.map { i in
            max(headers[i].count, rows.prefix(500).map { $0.cells.indices.contains(i) ? $0.cells[i].count : 0 }.max() ?? 0)
        }
        fit(&widths, into: screen.cols - 2 - buttonsWidth)
        var x = 2
        for (i, h) in headers.enumerated() {
            screen.put(top, x, h, .bold)
            x += widths[i] + 2
        }
        var buttons: [Button] = []
        if rows.isEmpty {
            screen.put(
                top + 1, 2,
                c.connection == .connected
                    ? "nothing here" + (state.filter.isEmpty ? "" : " (filter: \(state.filter))") : "waiting for the gateway…",
                TextStyle(.grey))
        }
        let start = min(state.offset, max(0, rows.count - 1))
        for (i, row) in rows.dropFirst(start).prefix(page).enumerated() {
            let y = top + 1 + i
            let index = start + i
            let selected = index == state.selected
            let marked = state.marks.contains(row.key)
            screen.put(y, 0, marked ? "*" : " ", TextStyle(.yellow, bold: true))
            var x = 2
            for (ci, cell) in row.cells.enumerated() where ci < widths.count {
                var style = row.styles.indices.contains(ci) ? row.styles[ci] : .plain
                if selected { style.reverse = true }
                let text = clip(cell, widths[ci])
                screen.put(
                    y, x,
                    selected ? text.padding(toLength: widths[ci] + (ci == widths.count - 1 ? 0 : 2), withPad: " ", startingAt: 0) : text,
                    style)
                x += widths[ci] + 2
            }
            buttons.append(Button(row: y, col: 0, width: x, target: .row(index)))
            if kind == .approvals, let ref = Console.stepRef(row.key) {
                let bx = screen.cols - buttonsWidth
                screen.put(y, bx, "[Approve]", TextStyle(.green, bold: true))
                screen.put(y, bx + 10, "[Reject]", TextStyle(.red, bold: true))
                buttons.insert(Button(row: y, col: bx, width: 9, target: .approve(ref)), at: 0)
                buttons.insert(Button(row: y, col: bx + 10, width: 8, target: .reject(ref)), at: 0)
            }
        }
        if rows.count > page {
            screen.put(bottom, screen.cols - 16, "\(state.selected + 1)/\(rows.count)", TextStyle(.grey))
        }
        return Layout(buttons: buttons, pageSize: page)
    }

    private static func text(_ c: Console, _ screen: Screen, lines: [(String, TextStyle)], top: Int, bottom: Int, follow: Bool) {
        let page = bottom - top + 1
        let scroll = follow ? max(0, lines.count - page) : min(c.list(c.view.kind).selected, max(0, lines.count - page))
        for (i, line) in lines.dropFirst(scroll).prefix(page).enumerated() {
            screen.put(top + i, 1, clip(line.0, screen.cols - 2), line.1)
        }
        if lines.isEmpty { screen.put(top, 1, c.view.kind == .stream ? "waiting for events…" : "loading…", TextStyle(.grey)) }
    }

    static func detailLines(_ c: Console) -> [(String, TextStyle)] {
        switch c.view {
        case .help:
            var lines: [(String, TextStyle)] = [("Keys in \(c.stack.dropLast().last?.title ?? "this view") (and everywhere):", .bold)]
            let context = c.stack.dropLast().last?.kind ?? .jobs
            // One line per action: keys bound to the same thing share it (`up, k  move up`).
            var seen: [String] = []
            var keys: [String: [String]] = [:]
            for b in c.keyMap.help(for: context) {
                if keys[b.help] == nil { seen.append(b.help) }
                keys[b.help, default: []].append(b.key.name)
            }
            for help in seen {
                let names = keys[help]!.joined(separator: ", ")
                lines.append(("  \(names.padding(toLength: max(10, names.count), withPad: " ", startingAt: 0)) \(help)", .plain))
            }
            lines.append(("Mouse: click a row to select it, [Approve] / [Reject] to decide a step; wheel scrolls.", TextStyle(.grey)))
            return lines
        case .job(let id):
            guard let d = c.data.jobDetails[id] else { return [] }
            var lines: [(String, TextStyle)] = [
                ("Job      \(d.id)", .bold), ("State    \(d.state)", .state(d.state)), ("Topic    \(d.topic)", .plain),
                ("Tenant   \(d.tenant)", .plain), ("Worker   \(d.workerID ?? "-")", .plain), ("Trace    \(d.traceID)", .plain),
                (
                    "Safety   \(d.safetyDecision)\(d.safetyReason.isEmpty ? "" : ": \(d.safetyReason)")",
                    d.safetyDecision == "DENY" ? TextStyle(.red) : .plain
                ),
            ]
            if let e = d.errorMessage { lines.append(("Error    \(e)", TextStyle(.red))) }
            if let labels = d.labels, !labels.isEmpty {
                lines.append(
                    ("Labels   " + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "), .plain))
            }
            lines.append(("History  " + d.events.map(\.state).joined(separator: " → "), .plain))
            lines.append(("", .plain))
            lines.append(("Context", .bold))
            lines += json(d.context)
            if let report = d.result?["markdown"]?.stringValue {
                // A repository review: its report as written, not as an escaped JSON string.
                lines.append(("Report", .bold))
                lines += report.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                    ("  " + line, line.hasPrefix("#") ? TextStyle(.cyan, bold: true) : .plain)
                }
            } else {
                lines.append(("Result", .bold))
                lines += json(d.result)
            }
            lines.append(("keys: c cancel  R retry (DLQ)  t trace  m memory  esc back", TextStyle(.grey)))
            return lines
        case .memory(let ref):
            guard let m = c.data.memory[ref] else { return [] }
            if m.kind == "memory", case .array(let items)? = m.json?["items"] {
                return items.flatMap { item -> [(String, TextStyle)] in
                    let role = item["role"]?.stringValue ?? "?"
                    return [(role + ":", TextStyle(role == "user" ? .cyan : .green, bold: true))]
                        + (item["content"]?.stringValue ?? "").split(separator: "\n", omittingEmptySubsequences: false).map {
                            ("  " + $0, TextStyle.plain)
                        }
                }
            }
            return [("\(m.key)  (\(m.kind), \(m.sizeBytes) bytes)", .bold)] + (m.json.map { json($0) } ?? [(m.text ?? "<binary>", .plain)])
        default:
            return []
        }
    }

    /// Pretty JSON with keys in cyan and strings in green.
    static func json(_ value: JSONValue?) -> [(String, TextStyle)] {
        guard let value else { return [("  null", TextStyle(.grey))] }
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let text = (try? String(decoding: e.encode(value), as: UTF8.self)) ?? "?"
        return text.split(separator: "\n").map { line in
            let s = "  " + line
            if s.trimmingCharacters(in: .whitespaces).hasPrefix("\"") && s.contains("\" : ") { return (s, TextStyle(.cyan)) }
            if s.trimmingCharacters(in: .whitespaces).hasPrefix("\"") { return (s, TextStyle(.green)) }
            return (s, .plain)
        }
    }

    /// Cuts text to `width`. Workflow job ids (`<run>:<step>@<n>`) are cut in the middle,
    /// so the step part that tells them apart stays visible.
    static func clip(_ s: String, _ width: Int) -> String {
        guard width > 0 else { return "" }
        guard s.count > width else { return s }
        if s.contains(":"), width >= 16 {
            return String(s.prefix(8)) + "~" + String(s.suffix(width - 9))
        }
        return String(s.prefix(max(0, width - 1))) + "~"
    }

    /// Shrinks the widest columns until the row fits.
    static func fit(_ widths: inout [Int], into limit: Int) {
        var total = widths.reduce(0, +) + 2 * max(0, widths.count - 1)
        while total > limit, let i = widths.indices.max(by: { widths[$0] < widths[$1] }), widths[i] > 4 {
            widths[i] -= 1
            total -= 1
        }
    }
}
