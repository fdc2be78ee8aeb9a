/// A table that fits the terminal: columns keep their natural width when there is room;
/// otherwise the flexible ones (ids, topics, messages) are cut with `…` until the row fits.
struct Table: Sendable {
    struct Column: Sendable {
        var header: String
        /// May be truncated to fit the width.
        var flexible = false
        /// Never narrower than this when truncated.
        var minWidth = 6
        /// Only shown with `-o wide`.
        var wideOnly = false
    }

    struct Cell: Sendable, ExpressibleByStringLiteral {
        var text: String
        var colour: Style.Colour?
        init(_ text: String, _ colour: Style.Colour? = nil) {
            self.text = text
            self.colour = colour
        }
        init(stringLiteral value: String) { self.init(value) }
    }

    var columns: [Column]
    var rows: [[Cell]] = []

    init(_ columns: [Column]) { self.columns = columns }

    mutating func add(_ row: [Cell]) { rows.append(row) }

    static let gap = 3

    /// The rendered lines. `width` nil means no limit (a pipe).
    func render(width: Int?, headers: Bool = true, wide: Bool = false, style: Style) -> [String] {
        let shown = columns.indices.filter { wide || !columns[$0].wideOnly }
        var widths = shown.map { i in
            max(headers ? columns[i].header.count : 0, rows.map { $0.indices.contains(i) ? $0[i].text.count : 0 }.max() ?? 0)
        }
        if let width { shrink(&widths, shown: shown, to: width) }
        var lines: [String] = []
        if headers {
            lines.append(line(shown.map { Cell(columns[$0].header) }, widths: widths, style: Style(enabled: false)))
        }
        for row in rows {
            lines.append(line(shown.map { row.indices.contains($0) ? row[$0] : Cell("") }, widths: widths, style: style))
        }
        return lines
    }

    private func shrink(_ widths: inout [Int], shown: [Int], to limit: Int) {
        var excess = widths.reduce(0, +) + Self.gap * max(0, widths.count - 1) - limit
        // Take from the widest flexible column first, one character at a time, so the cut is
        // shared fairly and short columns keep their text.
        while excess > 0 {
            let candidates = widths.indices.filter { columns[shown[$0]].flexible && widths[$0] > columns[shown[$0]].minWidth }
            guard let widest = candidates.max(by: { widths[$0] < widths[$1] }) else { return }
            widths[widest] -= 1
            excess -= 1
        }
    }

    private func line(_ cells: [Cell], widths: [Int], style: Style) -> String {
        var out = ""
        for (i, cell) in cells.enumerated() {
            let text = Self.fit(cell.text, widths[i])
            let painted = style.paint(text, cell.colour)
            if i == cells.count - 1 {
                out += painted
            } else {
                out += painted + String(repeating: " ", count: widths[i] - text.count + Self.gap)
            }
        }
        while out.hasSuffix(" ") { out.removeLast() }
        return out
    }

    static func fit(_ text: String, _ width: Int) -> String {
        guard text.count > width else { return text }
        guard width > 1 else { return String(text.prefix(width)) }
        return String(text.prefix(width - 1)) + "…"
    }
}
