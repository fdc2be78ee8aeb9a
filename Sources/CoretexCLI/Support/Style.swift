/// ANSI colours, applied only when the terminal allows them (`Terminal.colours`).
struct Style: Sendable {
    let enabled: Bool

    enum Colour: String {
        case red = "31", green = "32", yellow = "33", blue = "34", magenta = "35", cyan = "36", grey = "90", bold = "1"
    }

    func paint(_ text: String, _ colour: Colour?) -> String {
        guard enabled, let colour, !text.isEmpty else { return text }
        return "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m"
    }

    /// The colour of a job state, run or step status (upper or lower case).
    static func colour(forState state: String) -> Colour? {
        switch state.uppercased() {
        case "SUCCEEDED", "COMPLETED": .green
        case "FAILED", "DENIED", "TIMEOUT", "TIMED_OUT": .red
        case "CANCELLED": .magenta
        case "RUNNING", "DISPATCHED": .cyan
        case "PENDING", "SCHEDULED", "WAITING": .yellow
        default: nil
        }
    }
}
