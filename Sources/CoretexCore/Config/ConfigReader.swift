import Foundation

/// Reads `ConfigVariable`s from an environment. A value that is missing, blank or does not
/// parse falls back to the variable's default, parsed the same way, so a default is written
/// once, in the table.
public struct ConfigReader: Sendable {
    let values: [String: String]

    public init(_ values: [String: String]) { self.values = values }

    /// Whether the environment gives the variable a non-blank value.
    public func isSet(_ variable: ConfigVariable) -> Bool { given(variable) != nil }

    /// Whether the environment has the variable at all, even empty (an empty list means "none").
    public func isPresent(_ variable: ConfigVariable) -> Bool { values[variable.name] != nil }

    /// The value as given, trimmed, with no fallback to the default; nil when missing or blank.
    public func raw(_ variable: ConfigVariable) -> String? { given(variable) }

    public func text(_ variable: ConfigVariable) -> String? { parsed(variable) { $0 } }

    /// An integer of at least `minimum`; smaller values count as invalid.
    public func integer(_ variable: ConfigVariable, atLeast minimum: Int = 1) -> Int? {
        parsed(variable) { Int($0).flatMap { $0 >= minimum ? $0 : nil } }
    }

    /// A Go duration (`24h`, `1h30m`, `500ms`) in seconds, at least `minimum`.
    public func duration(_ variable: ConfigVariable, atLeast minimum: Double = 0.001) -> Double? {
        parsed(variable) { GoDuration.seconds($0).flatMap { $0 >= minimum ? $0 : nil } }
    }

    /// `true` only when the value is the word `true`.
    public func flag(_ variable: ConfigVariable) -> Bool { text(variable) == "true" }

    /// The non-blank items of a `separator`-separated list, each trimmed.
    public func list(_ variable: ConfigVariable, separator: Character) -> [String]? {
        parsed(variable) { text in
            let items = text.split(separator: separator).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return items.isEmpty ? nil : items
        }
    }

    /// The first of several names for one setting that the environment gives, as given.
    public func first(of variables: [ConfigVariable], _ transform: (String) -> String) -> String? {
        for variable in variables {
            if let value = values[variable.name].map(transform), !value.isEmpty { return value }
        }
        return nil
    }

    private func given(_ variable: ConfigVariable) -> String? {
        guard let value = values[variable.name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    private func parsed<T>(_ variable: ConfigVariable, _ parse: (String) -> T?) -> T? {
        if let value = given(variable), let parsed = parse(value) { return parsed }
        return variable.defaultValue.isEmpty ? nil : parse(variable.defaultValue)
    }
}
