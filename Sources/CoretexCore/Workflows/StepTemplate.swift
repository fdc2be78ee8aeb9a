import CoretexProtocol

/// `${…}` templates in a step's `input` (docs/workflows.md, "Templates").
///
/// Strings without `${` are kept as they are. A string that is (after trimming) exactly one
/// `${expr}` becomes the *typed* value of the expression, which is how whole objects travel
/// between steps. Anything else is interpolated text: each `${expr}` is replaced by the
/// value's `templateText` (null is empty; numbers, arrays and objects render as JSON rather
/// than Go's `%v`, see `JSONValue.templateText`).
///
/// The end of an expression is the first `}` *outside quotes*, so
/// `${x == '}'}` works.
public struct StepTemplate: Equatable, Sendable {
    public enum Part: Equatable, Sendable {
        case text(String)
        case expression(WorkflowExpression)
    }

    public let parts: [Part]
    /// The whole (trimmed) string is one `${…}`: the result keeps the expression's type.
    public let isSingleExpression: Bool

    /// Parses one string. Errors carry the column in `text`.
    public init(_ text: String) throws(TemplateError) {
        var parts: [Part] = []
        let chars = Array(text)
        var literal = ""
        var i = 0
        while i < chars.count {
            guard chars[i] == "$", i + 1 < chars.count, chars[i + 1] == "{" else {
                literal.append(chars[i])
                i += 1
                continue
            }
            let open = i
            guard let close = Self.closingBrace(in: chars, from: i + 2) else {
                throw TemplateError(field: "", message: "unterminated template expression (missing '}')", column: open + 1, text: text)
            }
            if !literal.isEmpty { parts.append(.text(literal)) }
            literal = ""
            let source = String(chars[(open + 2)..<close])
            do {
                parts.append(.expression(try WorkflowExpression(source)))
            } catch {
                // Report the column in the whole string, not in the expression.
                throw TemplateError(field: "", message: error.message, column: open + 2 + error.column, text: text)
            }
            i = close + 1
        }
        if !literal.isEmpty { parts.append(.text(literal)) }
        // Leading or trailing whitespace around a lone `${…}` does not make it text.
        let onlyExpression = parts.filter {
            if case .text(let t) = $0 { return !t.allSatisfy(\.isWhitespace) }
            return true
        }
        if onlyExpression.count == 1, case .expression = onlyExpression[0] {
            self.parts = onlyExpression
            self.isSingleExpression = true
        } else {
            self.parts = parts
            self.isSingleExpression = false
        }
    }

    /// The index of the `}` that ends the expression starting at `start`, skipping quoted text.
    private static func closingBrace(in chars: [Character], from start: Int) -> Int? {
        var quote: Character?
        var i = start
        while i < chars.count {
            let c = chars[i]
            if let q = quote {
                if c == "\\" { i += 1 } else if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if c == "}" {
                return i
            }
            i += 1
        }
        return nil
    }

    public func render(in scope: JSONValue) -> JSONValue {
        if isSingleExpression, case .expression(let e) = parts[0] { return e.evaluate(in: scope) }
        var out = ""
        for part in parts {
            switch part {
            case .text(let t): out += t
            case .expression(let e): out += e.evaluate(in: scope).templateText
            }
        }
        return .string(out)
    }

    /// Renders a whole JSON template: object keys stay, arrays and objects are walked,
    /// strings are templates, other scalars pass through.
    public static func render(_ template: JSONValue, in scope: JSONValue) throws(TemplateError) -> JSONValue {
        try render(template, in: scope, field: "")
    }

    /// Every template problem in `template`, for validating a definition up front.
    public static func problems(in template: JSONValue) -> [TemplateError] {
        var found: [TemplateError] = []
        walk(template, field: "") { text, field in
            do throws(TemplateError) {
                _ = try StepTemplate(text)
            } catch {
                var e = error
                e.field = field
                found.append(e)
            }
        }
        return found
    }

    private static func render(_ value: JSONValue, in scope: JSONValue, field: String) throws(TemplateError) -> JSONValue {
        switch value {
        case .string(let s):
            guard s.contains("${") else { return value }
            do {
                return try StepTemplate(s).render(in: scope)
            } catch {
                var e = error
                e.field = field
                throw e
            }
        case .array(let items):
            var out: [JSONValue] = []
            for (i, item) in items.enumerated() { out.append(try render(item, in: scope, field: "\(field)[\(i)]")) }
            return .array(out)
        case .object(let fields):
            var out: [String: JSONValue] = [:]
            for (key, item) in fields { out[key] = try render(item, in: scope, field: join(field, key)) }
            return .object(out)
        case .null, .bool, .number:
            return value
        }
    }

    private static func walk(_ value: JSONValue, field: String, _ visit: (String, String) -> Void) {
        switch value {
        case .string(let s): if s.contains("${") { visit(s, field) }
        case .array(let items): for (i, item) in items.enumerated() { walk(item, field: "\(field)[\(i)]", visit) }
        case .object(let fields):
            for key in fields.keys.sorted() { walk(fields[key]!, field: join(field, key), visit) }
        case .null, .bool, .number: break
        }
    }

    private static func join(_ field: String, _ key: String) -> String { field.isEmpty ? key : "\(field).\(key)" }
}

/// A template that cannot be parsed: where (`field`, a path such as `prompt` or
/// `files[2].name` inside the template) and what.
public struct TemplateError: Error, Equatable, Sendable, CustomStringConvertible {
    public var field: String
    public var message: String
    /// 1-based column in `text`.
    public var column: Int
    public var text: String

    public init(field: String, message: String, column: Int, text: String) {
        self.field = field
        self.message = message
        self.column = column
        self.text = text
    }

    public var description: String {
        let location = field.isEmpty ? "" : "\(field): "
        return "\(location)\(message) at column \(column) of \"\(text)\""
    }
}
