import CoretexProtocol
import Foundation

/// What the expression language and the templates need from a JSON value.
extension JSONValue {
    /// Truthiness for conditions, `!`, `&&` and `||` (docs/workflows.md, "Expressions"): null is
    /// false, a bool is itself, a string is true when non-empty, a number when non-zero; arrays and
    /// objects are always true, even empty ones (so existing conditions keep their meaning).
    var isTruthy: Bool {
        switch self {
        case .null: false
        case .bool(let b): b
        case .string(let s): !s.isEmpty
        case .number(let n): n != 0
        case .array, .object: true
        }
    }

    /// The text a value becomes inside an interpolated string.
    ///
    /// Not Go's `%v`, on purpose: numbers print as JSON would (`1000000`,
    /// not `1e+06`) and arrays and objects print as compact JSON with sorted keys (not
    /// `map[k:v]` / `[a b]`), so a prompt that embeds a step's output gets text a model or a
    /// person can read and a program can parse. Null still renders as the empty string and
    /// strings, bools and integral numbers render exactly as before.
    var templateText: String {
        switch self {
        case .null: ""
        case .bool(let b): b ? "true" : "false"
        case .string(let s): s
        case .number(let n): Self.numberText(n)
        case .array, .object: jsonText
        }
    }

    /// Compact JSON with sorted keys: deterministic, so equal values render equally.
    var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Integers without a fraction (as `JSONValue` encodes them), everything else in Swift's
    /// shortest round-tripping form (`0.5`, `1e+16`).
    static func numberText(_ n: Double) -> String {
        if n.rounded() == n, abs(n) < 1e15 { return String(Int64(n)) }
        return "\(n)"
    }

    /// The value at a dotted path of object keys, or nil when any segment is missing.
    func value(atPath path: [String]) -> JSONValue? {
        var current = self
        for key in path {
            guard let next = current[key] else { return nil }
            current = next
        }
        return current
    }

    /// Sets `value` at a dotted path of object keys, creating (or replacing non-object)
    /// intermediate values with objects, as `output_path` requires (docs/workflows.md,
    /// "Step outputs").
    mutating func set(_ value: JSONValue, atPath path: [String]) {
        guard let key = path.first else {
            self = value
            return
        }
        var object: [String: JSONValue]
        if case .object(let o) = self { object = o } else { object = [:] }
        var child = object[key] ?? .null
        child.set(value, atPath: Array(path.dropFirst()))
        object[key] = child
        self = .object(object)
    }
}
