import Foundation

/// Selection, scrolling, filtering and sorting of one list view.
public struct ListState: Sendable, Equatable {
    public var selected = 0
    public var offset = 0
    /// The `/` filter: a regex, `!` in front inverts it.
    public var filter = ""
    public var sortColumn: Int?
    public var marks: Set<String> = []

    public init() {}

    /// Rows (by key and searchable text) that pass the filter. An invalid regex matches as
    /// plain text, so typing never errors.
    public func visible<T>(_ rows: [T], text: (T) -> String) -> [T] {
        guard !filter.isEmpty else { return rows }
        let inverted = filter.hasPrefix("!")
        let pattern = inverted ? String(filter.dropFirst()) : filter
        guard !pattern.isEmpty else { return rows }
        let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
        return rows.filter { row in
            let s = text(row)
            let hit =
                regex.map { $0.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil }
                ?? s.localizedCaseInsensitiveContains(pattern)
            return hit != inverted
        }
    }

    public mutating func move(_ delta: Int, count: Int, page: Int) {
        guard count > 0 else { selected = 0; offset = 0; return }
        selected = min(max(selected + delta, 0), count - 1)
        clamp(count: count, page: page)
    }

    /// Keeps the selection on screen and inside the list.
    public mutating func clamp(count: Int, page: Int) {
        selected = count == 0 ? 0 : min(max(selected, 0), count - 1)
        if selected < offset { offset = selected }
        if page > 0, selected >= offset + page { offset = selected - page + 1 }
        offset = max(0, min(offset, max(0, count - page)))
    }

    public mutating func toggleMark(_ key: String) {
        if marks.contains(key) { marks.remove(key) } else { marks.insert(key) }
    }
}
