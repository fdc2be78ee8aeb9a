/// A screen in memory: what tests render into and assert on.
public final class TextGrid: Screen {
    public private(set) var rows: Int
    public private(set) var cols: Int
    private var cells: [[Character]]
    /// Styles by position, for tests that check colours (only non-plain cells are kept).
    public private(set) var styles: [Int: [Int: TextStyle]] = [:]

    public init(rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        cells = Array(repeating: Array(repeating: " ", count: cols), count: rows)
    }

    public func resize(rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        clear()
    }

    public func clear() {
        cells = Array(repeating: Array(repeating: " ", count: cols), count: rows)
        styles = [:]
    }

    public func put(_ row: Int, _ col: Int, _ text: String, _ style: TextStyle) {
        guard row >= 0, row < rows else { return }
        var c = col
        for ch in text {
            if c >= cols { break }
            if c >= 0 {
                cells[row][c] = ch
                if style != .plain { styles[row, default: [:]][c] = style }
            }
            c += 1
        }
    }

    public func flush() {}

    /// Line `row` without trailing spaces.
    public func line(_ row: Int) -> String {
        var s = String(cells[row])
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }

    public var text: String { (0..<rows).map(line).joined(separator: "\n") }
}
