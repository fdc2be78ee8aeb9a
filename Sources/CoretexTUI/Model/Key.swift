/// An input event, decoded from curses (or built by tests).
public enum Key: Hashable, Sendable {
    case char(Character)
    case enter, escape, tab, backspace
    case up, down, left, right, pageUp, pageDown, home, end
    /// A left click at (row, col).
    case click(row: Int, col: Int)
    case scrollUp, scrollDown
    case resize

    /// How the key is written in help and in the key map file.
    public var name: String {
        switch self {
        case .char(" "): "space"
        case .char(let c): String(c)
        case .enter: "enter"
        case .escape: "esc"
        case .tab: "tab"
        case .backspace: "backspace"
        case .up: "up"
        case .down: "down"
        case .left: "left"
        case .right: "right"
        case .pageUp: "pgup"
        case .pageDown: "pgdn"
        case .home: "home"
        case .end: "end"
        case .click: "click"
        case .scrollUp: "wheel-up"
        case .scrollDown: "wheel-down"
        case .resize: "resize"
        }
    }

    /// The key a name stands for (`ctrl` keys are not bindable; they belong to the terminal).
    public init?(name: String) {
        let all: [Key] = [.enter, .escape, .tab, .backspace, .up, .down, .left, .right, .pageUp, .pageDown, .home, .end]
        if let k = all.first(where: { $0.name == name }) { self = k; return }
        if name == "space" { self = .char(" "); return }
        guard name.count == 1, let c = name.first else { return nil }
        self = .char(c)
    }
}
