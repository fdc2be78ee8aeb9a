import CoretexProtocol

/// A parsed workflow expression (docs/workflows.md, "Expressions"): conditions, `for_each` and
/// the inside of `${…}`.
///
/// Named `WorkflowExpression` rather than `Expression` because Foundation has an
/// `Expression` type, and every file that imports both would need qualified names.
///
/// Parsing and evaluating are separate so definitions can be checked when they are saved
/// (`init` throws with the problem and its column) and evaluation never fails: a missing
/// path is null, because templates such as
/// `${steps.optional_step.output}` rely on it.
public struct WorkflowExpression: Equatable, Sendable, CustomStringConvertible {
    public let source: String
    let node: ExpressionNode

    public init(_ source: String) throws(ExpressionError) {
        self.source = source
        self.node = try ExpressionParser.parse(source)
    }

    /// Parses and evaluates in one go.
    public static func evaluate(_ source: String, in scope: JSONValue) throws(ExpressionError) -> JSONValue {
        try WorkflowExpression(source).evaluate(in: scope)
    }

    /// The value of the expression; `scope` is the root object that bare names look up.
    public func evaluate(in scope: JSONValue) -> JSONValue { Self.evaluate(node, scope) }

    /// The truthiness of the value (see `JSONValue.isTruthy`), for conditions.
    public func isTrue(in scope: JSONValue) -> Bool { evaluate(in: scope).isTruthy }

    public var description: String { source }

    private static func evaluate(_ node: ExpressionNode, _ scope: JSONValue) -> JSONValue {
        switch node {
        case .literal(let value):
            return value
        case .root(let name):
            return scope[name] ?? .null
        case .member(let base, let key):
            return evaluate(base, scope)[key] ?? .null
        case .index(let base, let subscriptNode):
            let position = evaluate(subscriptNode, scope)
            // `steps.fan[0]` names the for_each child recorded under the key "fan[0]" (how
            // existing definitions reach it), so that key wins over indexing `fan`.
            if case .number(let n) = position, let (parent, name) = memberParts(base, scope),
                let child = parent["\(name)[\(JSONValue.numberText(n))]"]
            {
                return child
            }
            return element(of: evaluate(base, scope), at: position)
        case .call(let function, let argument):
            return call(function, evaluate(argument, scope))
        case .not(let operand):
            return .bool(!evaluate(operand, scope).isTruthy)
        case .and(let left, let right):
            return .bool(evaluate(left, scope).isTruthy && evaluate(right, scope).isTruthy)
        case .or(let left, let right):
            return .bool(evaluate(left, scope).isTruthy || evaluate(right, scope).isTruthy)
        case .compare(let op, let left, let right):
            return .bool(ExpressionComparison.compare(evaluate(left, scope), op, evaluate(right, scope)))
        }
    }

    /// For `x.name` or a bare `name`: the object holding `name`, and `name`.
    private static func memberParts(_ node: ExpressionNode, _ scope: JSONValue) -> (JSONValue, String)? {
        switch node {
        case .root(let name): (scope, name)
        case .member(let base, let name): (evaluate(base, scope), name)
        default: nil
        }
    }

    /// `a[0]` on arrays (integral, in range), `o['key']` and `o[0]` (key "0") on objects;
    /// anything else is null, like a missing path.
    private static func element(of value: JSONValue, at position: JSONValue) -> JSONValue {
        switch (value, position) {
        case (.array(let items), .number(let n)):
            guard n.rounded() == n, n >= 0, n < Double(items.count) else { return .null }
            return items[Int(n)]
        case (.object(let fields), .string(let key)):
            return fields[key] ?? .null
        case (.object(let fields), .number(let n)):
            return fields[JSONValue.numberText(n)] ?? .null
        default:
            return .null
        }
    }

    private static func call(_ function: ExpressionFunction, _ value: JSONValue) -> JSONValue {
        switch function {
        case .length:
            // Byte length for strings (like `len` in Go), so existing conditions keep their meaning.
            switch value {
            case .array(let a): return .number(Double(a.count))
            case .object(let o): return .number(Double(o.count))
            case .string(let s): return .number(Double(s.utf8.count))
            default: return .number(0)
            }
        case .first:
            if case .array(let a) = value, let head = a.first { return head }
            return .null
        }
    }
}
