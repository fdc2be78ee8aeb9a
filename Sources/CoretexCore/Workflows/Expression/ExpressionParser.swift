import CoretexProtocol

/// The parsed form of an expression.
indirect enum ExpressionNode: Equatable, Sendable {
    case literal(JSONValue)
    /// A bare identifier: a key of the scope root (`input`, `ctx`, `steps`, `item`, …).
    case root(String)
    case member(ExpressionNode, String)
    case index(ExpressionNode, ExpressionNode)
    case call(ExpressionFunction, ExpressionNode)
    case not(ExpressionNode)
    case and(ExpressionNode, ExpressionNode)
    case or(ExpressionNode, ExpressionNode)
    case compare(ComparisonOperator, ExpressionNode, ExpressionNode)
}

/// The built-in functions. Each takes exactly one argument, checked when parsing.
enum ExpressionFunction: String, Sendable, CaseIterable {
    case length, first
}

/// Recursive descent over the tokens. Precedence, loosest first:
///
///     or         := and ( '||' and )*
///     and        := comparison ( '&&' comparison )*
///     comparison := unary ( op unary )?            -- at most one operator
///     unary      := '!' unary | postfix
///     postfix    := primary ( '.' key | '[' or ']' )*
///     primary    := number | string | true | false | null | name '(' or ')' | name | '(' or ')'
///
/// Two rules keep existing definitions from silently changing meaning. `!` binds tighter
/// than comparisons, as in every mainstream language, but older definitions were written for
/// `!a == b` meaning `!(a == b)`, so an unparenthesised `!a == b` is rejected and the author
/// must say which one they meant. And `a == b == c` (once read as `a == (b == c)`) is
/// rejected instead of chained.
struct ExpressionParser {
    private let tokens: [ExpressionToken]
    private let source: String
    private var index = 0

    static func parse(_ source: String) throws(ExpressionError) -> ExpressionNode {
        let tokens = try ExpressionLexer.tokenize(source)
        if tokens.count == 1 { throw ExpressionError("empty expression", column: 1, source: source) }
        var parser = ExpressionParser(tokens: tokens, source: source)
        let node = try parser.parseOr()
        if parser.current.kind != .end { throw parser.unexpected() }
        return node
    }

    private init(tokens: [ExpressionToken], source: String) {
        self.tokens = tokens
        self.source = source
    }

    private var current: ExpressionToken { tokens[index] }

    private mutating func advance() { if index < tokens.count - 1 { index += 1 } }

    private mutating func parseOr() throws(ExpressionError) -> ExpressionNode {
        var node = try parseAnd()
        while current.kind == .or {
            advance()
            node = .or(node, try parseAnd())
        }
        return node
    }

    private mutating func parseAnd() throws(ExpressionError) -> ExpressionNode {
        var node = try parseComparison()
        while current.kind == .and {
            advance()
            node = .and(node, try parseComparison())
        }
        return node
    }

    private mutating func parseComparison() throws(ExpressionError) -> ExpressionNode {
        let first = current
        let left = try parseUnary()
        guard case .compare(let op) = current.kind else { return left }
        if first.kind == .not {
            throw ExpressionError(
                "ambiguous '!' before '\(op.rawValue)': write !(a \(op.rawValue) b) or (!a) \(op.rawValue) b",
                column: first.column, source: source)
        }
        advance()
        let right = try parseUnary()
        if case .compare(let next) = current.kind {
            throw ExpressionError(
                "comparisons cannot be chained ('\(next.rawValue)' after '\(op.rawValue)'); combine them with && or parentheses",
                column: current.column, source: source)
        }
        return .compare(op, left, right)
    }

    private mutating func parseUnary() throws(ExpressionError) -> ExpressionNode {
        if current.kind == .not {
            advance()
            return .not(try parseUnary())
        }
        return try parsePostfix()
    }

    private mutating func parsePostfix() throws(ExpressionError) -> ExpressionNode {
        var node = try parsePrimary()
        while true {
            switch current.kind {
            case .dot:
                advance()
                guard case .key(let key) = current.kind else {
                    throw ExpressionError("expected a key after '.'", column: current.column, source: source)
                }
                advance()
                node = .member(node, key)
            case .leftBracket:
                advance()
                let subscriptNode = try parseOr()
                try expect(.rightBracket, "expected ']'")
                node = .index(node, subscriptNode)
            default:
                return node
            }
        }
    }

    private mutating func parsePrimary() throws(ExpressionError) -> ExpressionNode {
        let token = current
        switch token.kind {
        case .number(let n):
            advance()
            return .literal(.number(n))
        case .string(let s):
            advance()
            return .literal(.string(s))
        case .leftParen:
            advance()
            let node = try parseOr()
            try expect(.rightParen, "expected ')'")
            return node
        case .identifier(let name):
            advance()
            if current.kind == .leftParen {
                guard let function = ExpressionFunction(rawValue: name) else {
                    let known = ExpressionFunction.allCases.map(\.rawValue).joined(separator: ", ")
                    throw ExpressionError("unknown function '\(name)' (known: \(known))", column: token.column, source: source)
                }
                advance()
                if current.kind == .rightParen {
                    throw ExpressionError("\(name)() takes one argument", column: current.column, source: source)
                }
                let argument = try parseOr()
                if current.kind == .comma {
                    throw ExpressionError("\(name)() takes one argument", column: current.column, source: source)
                }
                try expect(.rightParen, "expected ')'")
                return .call(function, argument)
            }
            switch name {
            case "true": return .literal(.bool(true))
            case "false": return .literal(.bool(false))
            case "null": return .literal(.null)
            default: return .root(name)
            }
        default:
            throw unexpected()
        }
    }

    private mutating func expect(_ kind: ExpressionToken.Kind, _ message: String) throws(ExpressionError) {
        guard current.kind == kind else {
            throw ExpressionError(
                current.kind == .end ? "\(message), found end of expression" : message,
                column: current.column, source: source)
        }
        advance()
    }

    private func unexpected() -> ExpressionError {
        let token = current
        let what: String
        switch token.kind {
        case .end: what = "unexpected end of expression"
        case .identifier(let s), .key(let s): what = "unexpected '\(s)'"
        case .number(let n): what = "unexpected number \(JSONValue.numberText(n))"
        case .string: what = "unexpected string"
        case .dot: what = "unexpected '.'"
        case .comma: what = "unexpected ','"
        case .leftParen: what = "unexpected '('"
        case .rightParen: what = "unexpected ')'"
        case .leftBracket: what = "unexpected '['"
        case .rightBracket: what = "unexpected ']'"
        case .not: what = "unexpected '!'"
        case .and: what = "unexpected '&&'"
        case .or: what = "unexpected '||'"
        case .compare(let op): what = "unexpected '\(op.rawValue)'"
        }
        return ExpressionError(what, column: token.column, source: source)
    }
}
