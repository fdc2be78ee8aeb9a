/// Which terminal colour each of the console's colours is drawn in. The renderer speaks of
/// red for failures, green for success, cyan for running and so on; a scheme remaps those to
/// what suits a terminal's theme, from `~/.config/ctx/colors.yaml`:
///
/// ```yaml
/// cyan: blue           # a colour name: black red green yellow blue magenta cyan white
/// green: bright-green  # bright-<name> is colour 8 + n on 16-colour terminals
/// grey: 244            # or a number of a 256-colour terminal
/// ```
public struct ColourScheme: Sendable, Equatable {
    /// Curses colour number per console colour.
    public private(set) var colours: [TextStyle.Colour: Int]

    public static let standard = ColourScheme(colours: [
        .red: 1, .green: 2, .yellow: 3, .blue: 4, .magenta: 5, .cyan: 6, .grey: 8,
    ])

    static let names = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    /// Applies `colour: value` pairs; unknown colours and values are reported, not ignored.
    public mutating func apply(overrides: [String: String]) -> [String] {
        var problems: [String] = []
        for (name, value) in overrides.sorted(by: { $0.key < $1.key }) {
            guard let colour = TextStyle.Colour.named(name) else {
                problems.append("unknown colour \"\(name)\" (known: \(TextStyle.Colour.allCases.map(\.name).joined(separator: ", ")))")
                continue
            }
            guard let number = Self.number(value) else {
                problems.append("\"\(value)\" for \(name) is not a colour name, bright-<name> or 0-255")
                continue
            }
            colours[colour] = number
        }
        return problems
    }

    /// The number a terminal with `available` colours can show: bright and 256-colour values
    /// fall back to their basic colour (or white) on smaller terminals; bright black (grey)
    /// falls back to white, since black text vanishes on a dark background.
    public func number(for colour: TextStyle.Colour, available: Int) -> Int {
        let n = colours[colour] ?? Self.standard.colours[colour] ?? 7
        if n < available { return n }
        return n > 8 && n < 16 ? n - 8 : 7
    }

    static func number(_ value: String) -> Int? {
        let v = value.lowercased().trimmingCharacters(in: .whitespaces)
        if let n = Int(v) { return (0...255).contains(n) ? n : nil }
        if let i = names.firstIndex(of: v) { return i }
        if v.hasPrefix("bright-"), let i = names.firstIndex(of: String(v.dropFirst(7))) { return 8 + i }
        return nil
    }
}

extension TextStyle.Colour {
    var name: String { "\(self)" }
    static func named(_ name: String) -> Self? {
        allCases.first { $0.name == name.lowercased() || (name.lowercased() == "gray" && $0 == .grey) }
    }
}
