/// Fits a conversation into a model's input budget.
///
/// Tokens are estimated as UTF-8 bytes / 4, rounded up, so a short message never counts as
/// free. The oldest messages go first; a last message that alone exceeds the budget is cut
/// (keeping its start and saying so) instead of being sent whole.
public enum TokenBudget {
    public static func estimate(_ text: String) -> Int { (text.utf8.count + 3) / 4 }

    public static func estimate(_ messages: [ChatMessage]) -> Int { messages.reduce(0) { $0 + estimate($1.content) } }

    /// The newest messages that fit in `budget` tokens; a budget ≤ 0 means no limit.
    public static func fit(_ messages: [ChatMessage], budget: Int) -> [ChatMessage] {
        guard budget > 0 else { return messages }
        var kept = messages
        while estimate(kept) > budget, kept.count > 1 { kept.removeFirst() }
        if let last = kept.last, estimate(kept) > budget {
            kept[kept.count - 1].content = truncate(last.content, toTokens: budget)
        }
        return kept
    }

    static let marker = "\n[… truncated to fit the model's input budget]"

    /// The start of `text` that fits in `tokens`, with a marker, cut on a character boundary.
    static func truncate(_ text: String, toTokens tokens: Int) -> String {
        let room = max(tokens * 4 - marker.utf8.count, 0)
        var used = 0
        var end = text.unicodeScalars.startIndex
        for index in text.unicodeScalars.indices {
            let size = UTF8.width(text.unicodeScalars[index])
            guard used + size <= room else { break }
            used += size
            end = text.unicodeScalars.index(after: index)
        }
        return String(text.unicodeScalars[..<end]) + marker
    }
}
