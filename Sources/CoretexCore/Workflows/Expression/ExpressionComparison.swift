import CoretexProtocol

/// The comparison rules of the expression language (docs/workflows.md, "Expressions"):
/// - a number on the left compares numerically with a number or a numeric string (`5 == '5'`);
/// - two strings compare byte-wise, with all six operators;
/// - otherwise `==`/`!=` compare the values' text (`'5' == 5`, `'true' == true`), and the
///   ordering operators are false;
/// - a number compared with something that is not a number (null, a bool, a non-numeric
///   string, an array, an object) is simply unequal, never read as 0, so `0 == missing` and
///   `0 == 'abc'` are false;
/// - null equals only null, never a string (`'<nil>' == missing` is false);
/// - arrays and objects compare by their JSON text (sorted keys), i.e. structurally, not by
///   Go's `map[…]` rendering.
enum ExpressionComparison {
    static func compare(_ a: JSONValue, _ op: ComparisonOperator, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.number(let x), _):
            guard let y = numeric(b) else { return op == .notEqual }
            return ordered(x, op, y)
        case (.string(let x), .string(let y)):
            let ux = Array(x.utf8), uy = Array(y.utf8)
            switch op {
            case .equal: return ux == uy
            case .notEqual: return ux != uy
            case .less: return ux.lexicographicallyPrecedes(uy)
            case .greater: return uy.lexicographicallyPrecedes(ux)
            case .lessOrEqual: return !uy.lexicographicallyPrecedes(ux)
            case .greaterOrEqual: return !ux.lexicographicallyPrecedes(uy)
            }
        default:
            let equal: Bool
            switch (a, b) {
            case (.null, .null): equal = true
            case (.null, _), (_, .null): equal = false
            default: equal = a.templateText == b.templateText
            }
            switch op {
            case .equal: return equal
            case .notEqual: return !equal
            default: return false
            }
        }
    }

    /// A number, or the value of a numeric string; nil for everything else.
    private static func numeric(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let n): return n
        case .string(let s):
            guard let n = Double(s), n.isFinite else { return nil }
            return n
        default: return nil
        }
    }

    private static func ordered(_ x: Double, _ op: ComparisonOperator, _ y: Double) -> Bool {
        switch op {
        case .equal: x == y
        case .notEqual: x != y
        case .less: x < y
        case .greater: x > y
        case .lessOrEqual: x <= y
        case .greaterOrEqual: x >= y
        }
    }
}
