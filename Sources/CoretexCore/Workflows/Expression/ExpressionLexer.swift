/// One token of an expression, with the column it starts at (1-based, in characters).
struct ExpressionToken: Equatable, Sendable {
    enum Kind: Equatable, Sendable {
        case identifier(String)
        /// A key after `.`: any run of letters, digits, `_` and `-`, so step ids such as
        /// `plan-review` or `2nd` can be written as `steps.2nd.output`.
        case key(String)
        case number(Double)
        case string(String)
        case dot, comma, leftParen, rightParen, leftBracket, rightBracket
        case not, and, or
        case compare(ComparisonOperator)
        case end
    }

    var kind: Kind
    var column: Int
}

enum ComparisonOperator: String, Sendable, CaseIterable {
    case equal = "==", notEqual = "!=", greaterOrEqual = ">=", lessOrEqual = "<=", greater = ">", less = "<"
}

/// Splits an expression into tokens. Quotes are respected, so operators inside string
/// literals are just text (`x == 'a || b'` is one comparison).
struct ExpressionLexer {
    private let chars: [Character]
    private let source: String
    private var position = 0
    private var tokens: [ExpressionToken] = []

    static func tokenize(_ source: String) throws(ExpressionError) -> [ExpressionToken] {
        var lexer = ExpressionLexer(source: source)
        return try lexer.run()
    }

    private init(source: String) {
        self.source = source
        self.chars = Array(source)
    }

    private mutating func run() throws(ExpressionError) -> [ExpressionToken] {
        while true {
            while position < chars.count, chars[position].isWhitespace { position += 1 }
            guard position < chars.count else { break }
            let start = position
            let c = chars[position]
            // After a `.`, the next word is a key, whatever it starts with.
            if tokens.last?.kind == .dot, Self.isKeyCharacter(c) {
                let word = scan(while: Self.isKeyCharacter)
                append(.key(word), at: start)
                continue
            }
            switch c {
            case "'", "\"": append(.string(try scanString(quote: c)), at: start)
            case "(": single(.leftParen)
            case ")": single(.rightParen)
            case "[": single(.leftBracket)
            case "]": single(.rightBracket)
            case ",": single(.comma)
            case ".": single(.dot)
            case "!": pair("=", .compare(.notEqual), else: .not)
            case ">": pair("=", .compare(.greaterOrEqual), else: .compare(.greater))
            case "<": pair("=", .compare(.lessOrEqual), else: .compare(.less))
            case "=":
                guard peek(1) == "=" else { throw error("unexpected '=' (use '==' to compare)", at: start) }
                position += 2
                append(.compare(.equal), at: start)
            case "&":
                guard peek(1) == "&" else { throw error("unexpected '&' (use '&&')", at: start) }
                position += 2
                append(.and, at: start)
            case "|":
                guard peek(1) == "|" else { throw error("unexpected '|' (use '||')", at: start) }
                position += 2
                append(.or, at: start)
            default:
                if c.isASCII, c.isNumber || (c == "-" && peek(1)?.isASCII == true && peek(1)?.isNumber == true) {
                    append(.number(try scanNumber()), at: start)
                } else if Self.isIdentifierStart(c) {
                    append(.identifier(scan(while: Self.isKeyCharacter)), at: start)
                } else {
                    throw error("unexpected character '\(c)'", at: start)
                }
            }
        }
        append(.end, at: chars.count)
        return tokens
    }

    static func isIdentifierStart(_ c: Character) -> Bool { c == "_" || (c.isASCII && c.isLetter) }
    static func isKeyCharacter(_ c: Character) -> Bool {
        c == "_" || c == "-" || (c.isASCII && (c.isLetter || c.isNumber))
    }

    private func peek(_ offset: Int) -> Character? {
        position + offset < chars.count ? chars[position + offset] : nil
    }

    private mutating func append(_ kind: ExpressionToken.Kind, at start: Int) {
        tokens.append(ExpressionToken(kind: kind, column: start + 1))
    }

    private mutating func single(_ kind: ExpressionToken.Kind) {
        append(kind, at: position)
        position += 1
    }

    private mutating func pair(_ second: Character, _ both: ExpressionToken.Kind, else alone: ExpressionToken.Kind) {
        let start = position
        if peek(1) == second {
            position += 2
            append(both, at: start)
        } else {
            position += 1
            append(alone, at: start)
        }
    }

    private mutating func scan(while accept: (Character) -> Bool) -> String {
        let start = position
        while position < chars.count, accept(chars[position]) { position += 1 }
        return String(chars[start..<position])
    }

    /// `'…'` or `"…"`. Backslash escapes the quote, a backslash, `n` and `t`; any other
    /// backslash is kept as text, so Windows-style paths in existing definitions still work.
    private mutating func scanString(quote: Character) throws(ExpressionError) -> String {
        let start = position
        position += 1
        var text = ""
        while position < chars.count {
            let c = chars[position]
            if c == quote {
                position += 1
                return text
            }
            if c == "\\", let next = peek(1) {
                switch next {
                case quote, "\\": text.append(next)
                case "n": text.append("\n")
                case "t": text.append("\t")
                default: text.append(c); text.append(next)
                }
                position += 2
                continue
            }
            text.append(c)
            position += 1
        }
        throw error("unterminated string", at: start)
    }

    /// `-?digits(.digits)?([eE][+-]?digits)?`. A number directly followed by a letter
    /// (`1st`) is a mistake worth naming rather than two tokens.
    private mutating func scanNumber() throws(ExpressionError) -> Double {
        let start = position
        if chars[position] == "-" { position += 1 }
        func digits() { while position < chars.count, chars[position].isASCII, chars[position].isNumber { position += 1 } }
        digits()
        if peek(0) == ".", let d = peek(1), d.isASCII, d.isNumber {
            position += 1
            digits()
        }
        if let e = peek(0), e == "e" || e == "E" {
            var look = 1
            if let sign = peek(1), sign == "+" || sign == "-" { look = 2 }
            if let d = peek(look), d.isASCII, d.isNumber {
                position += look
                digits()
            }
        }
        let text = String(chars[start..<position])
        if let next = peek(0), Self.isIdentifierStart(next) {
            let word = text + scan(while: Self.isKeyCharacter)
            throw error("invalid number '\(word)' (a key starting with a digit needs a '.' before it, as in steps.2nd)", at: start)
        }
        guard let value = Double(text), value.isFinite else { throw error("number out of range '\(text)'", at: start) }
        return value
    }

    private func error(_ message: String, at index: Int) -> ExpressionError {
        ExpressionError(message, column: index + 1, source: source)
    }
}
