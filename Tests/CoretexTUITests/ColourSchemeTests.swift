import CoretexTUI
import Testing

@Suite struct ColourSchemeTests {
    @Test func overridesTakeNamesBrightNamesAndNumbers() {
        var scheme = ColourScheme.standard
        #expect(scheme.apply(overrides: ["cyan": "blue", "green": "bright-green", "grey": "244", "Gray": "white"]) == [])
        #expect(scheme.number(for: .cyan, available: 8) == 4)
        #expect(scheme.number(for: .green, available: 16) == 10)
        #expect(scheme.number(for: .red, available: 8) == 1)  // untouched
        #expect(scheme.number(for: .grey, available: 8) == 7)  // "Gray" came last: white
    }

    @Test func coloursASmallTerminalLacksFallBack() {
        var scheme = ColourScheme.standard
        _ = scheme.apply(overrides: ["green": "bright-green", "cyan": "200"])
        #expect(scheme.number(for: .green, available: 8) == 2)  // bright → basic
        #expect(scheme.number(for: .cyan, available: 16) == 7)  // 256-colour value → white
        #expect(scheme.number(for: .cyan, available: 256) == 200)
        #expect(ColourScheme.standard.number(for: .grey, available: 8) == 7)  // grey (bright black) → white
        #expect(ColourScheme.standard.number(for: .grey, available: 16) == 8)
    }

    @Test func unknownNamesAndValuesAreReported() {
        var scheme = ColourScheme.standard
        let problems = scheme.apply(overrides: ["teal": "blue", "red": "crimson", "blue": "256"])
        #expect(problems.count == 3)
        #expect(problems.contains { $0.hasPrefix("unknown colour \"teal\"") })
        #expect(problems.contains { $0.contains("\"crimson\" for red") })
        #expect(scheme == .standard)
    }
}
