/// Where the console draws: ncurses in a terminal, a text grid in tests. Rendering code only
/// knows this protocol, so every view can be checked without a terminal.
public protocol Screen: AnyObject {
    var rows: Int { get }
    var cols: Int { get }
    func clear()
    /// Writes `text` at (row, col), clipped to the screen.
    func put(_ row: Int, _ col: Int, _ text: String, _ style: TextStyle)
    /// Shows what was drawn since the last flush.
    func flush()
}

/// How a run of text looks. Colours map to the 8 basic curses colours, so 16-colour
/// terminals work; with colours off only bold/reverse remain.
public struct TextStyle: Sendable, Equatable {
    public enum Colour: Int, Sendable, CaseIterable { case red = 1, green, yellow, blue, magenta, cyan, grey }

    public var colour: Colour?
    public var bold = false
    public var reverse = false

    public init(_ colour: Colour? = nil, bold: Bool = false, reverse: Bool = false) {
        self.colour = colour
        self.bold = bold
        self.reverse = reverse
    }

    public static let plain = TextStyle()
    public static let bold = TextStyle(bold: true)
    public static let selected = TextStyle(reverse: true)

    /// The colour of a job state or run/step status.
    public static func state(_ state: String) -> TextStyle {
        switch state.uppercased() {
        case "SUCCEEDED": TextStyle(.green)
        case "FAILED", "DENIED", "TIMEOUT", "TIMED_OUT": TextStyle(.red)
        case "CANCELLED": TextStyle(.magenta)
        case "RUNNING", "DISPATCHED": TextStyle(.cyan)
        case "PENDING", "SCHEDULED", "WAITING": TextStyle(.yellow)
        default: .plain
        }
    }
}
