import Foundation
import Yams

/// One static-analysis rule: a regular expression that marks a line as a finding.
///
/// Rules live in data files (`config/sast-rules.yaml` plus users' extra files) rather than in
/// code, so a team can add, tune or switch off a check without a release.
public struct SastRule: Codable, Sendable, Equatable {
    /// Stable name, e.g. `secret.aws-access-key`; a later file overrides a rule by reusing it.
    public var id: String
    /// `high`, `medium` or `low`; `off` in a rule file switches the rule off (see `SastRuleSet.merge`).
    public var severity: String
    public var message: String
    /// An `NSRegularExpression` pattern, matched against one line at a time.
    public var pattern: String
    /// nil or empty: every file; otherwise only files of these languages (lowercase names).
    public var languages: [String]?
    public var ignoreCase: Bool?
    /// When set, the match's first capture group (or the whole match when there is none) must
    /// have at least this Shannon entropy in bits per character. This is what separates a real
    /// credential from `token = "changeme"` or `password = "passwordpassword"`.
    public var minEntropy: Double?
    /// The matched text (first capture group or whole match, as for `minEntropy`) is a
    /// credential: snippets keep its first 4 characters and star the rest, so the report never
    /// becomes a second copy of the leak.
    public var secret: Bool?

    public init(
        id: String, severity: String, message: String, pattern: String, languages: [String]? = nil,
        ignoreCase: Bool? = nil, minEntropy: Double? = nil, secret: Bool? = nil
    ) {
        self.id = id
        self.severity = severity
        self.message = message
        self.pattern = pattern
        self.languages = languages
        self.ignoreCase = ignoreCase
        self.minEntropy = minEntropy
        self.secret = secret
    }

    enum CodingKeys: String, CodingKey {
        case id, severity, message, pattern, languages, secret
        case ignoreCase = "ignore_case", minEntropy = "min_entropy"
    }

    /// Whether the rule looks at files of `language` (already lowercased).
    func applies(to language: String) -> Bool {
        guard let languages, !languages.isEmpty else { return true }
        return languages.contains(language)
    }
}

/// A validated set of rules, each regular expression compiled once.
public struct SastRuleSet: Sendable {
    /// The rules in file order. After `merge`, rules switched `off` are gone.
    public let rules: [SastRule]
    /// Compiled patterns by rule id, so each is compiled once however many files are scanned;
    /// rules that are `off` have none. Internal: only the scanner reads it.
    /// (`NSRegularExpression` is immutable and `Sendable`, so the set stays `Sendable`.)
    let compiled: [String: NSRegularExpression]

    init(rules: [SastRule], compiled: [String: NSRegularExpression]) {
        self.rules = rules
        self.compiled = compiled
    }

    /// The severities a rule file may use. `off` is only meaningful as an override.
    static let severities: Set<String> = ["high", "medium", "low", "off"]

    /// Parses one rule file:
    ///
    /// ```yaml
    /// rules:
    ///   - id: secret.aws-access-key
    ///     severity: high
    ///     message: AWS access key id
    ///     pattern: '\bAKIA[0-9A-Z]{16}\b'
    ///     languages: [python, go]     # optional; omitted = every file
    ///     ignore_case: false          # optional
    ///     min_entropy: 3.5            # optional
    ///     secret: true                # optional
    /// ```
    ///
    /// A rule with `severity: off` needs only its id. Errors are `ConfigError.invalid` naming
    /// `source`, the line and the rule, so a user can find the mistake in their own file.
    public static func parse(yaml: String, source: String) throws -> SastRuleSet {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError.invalid(source, "not valid YAML: \(error)")
        }
        // A file of comments only is a valid, empty extension file.
        guard let root, root.null == nil else { return SastRuleSet(rules: [], compiled: [:]) }
        guard let top = root.mapping, let list = top["rules"] else {
            throw ConfigError.invalid(source, "expected a top-level 'rules:' list")
        }
        if list.null != nil { return SastRuleSet(rules: [], compiled: [:]) }
        guard let items = list.sequence else {
            throw ConfigError.invalid(source, "'rules' must be a list")
        }

        var rules: [SastRule] = []
        var compiled: [String: NSRegularExpression] = [:]
        var firstLine: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let reader = RuleReader(node: item, index: index, source: source)
            let rule = try reader.rule()
            if let earlier = firstLine[rule.id] {
                throw reader.error("duplicate id (first defined on line \(earlier))")
            }
            firstLine[rule.id] = item.mark?.line ?? 0
            if rule.severity != "off" {
                compiled[rule.id] = try reader.compile(rule)
            }
            rules.append(rule)
        }
        return SastRuleSet(rules: rules, compiled: compiled)
    }

    /// Combines the shipped rules with users' extra files, in order. A rule whose id was seen
    /// before replaces the earlier one where it stood; a rule whose final severity is `off`
    /// is dropped. That is how a user tunes or disables a shipped rule without copying the file.
    public static func merge(_ sets: [SastRuleSet]) -> SastRuleSet {
        var order: [String] = []
        var byId: [String: SastRule] = [:]
        var compiled: [String: NSRegularExpression] = [:]
        for set in sets {
            for rule in set.rules {
                if byId[rule.id] == nil { order.append(rule.id) }
                byId[rule.id] = rule
                compiled[rule.id] = set.compiled[rule.id]  // nil for an `off` rule: removes the earlier one
            }
        }
        let kept = order.compactMap { byId[$0] }.filter { $0.severity != "off" }
        return SastRuleSet(rules: kept, compiled: compiled)
    }
}

/// Reads one rule's YAML mapping by hand rather than through `Decodable`, so every error can
/// say which rule (and which line) is wrong in words a rule author understands.
private struct RuleReader {
    let node: Node
    let index: Int
    let source: String

    static let knownKeys: Set<String> = [
        "id", "severity", "message", "pattern", "languages", "ignore_case", "min_entropy", "secret",
    ]

    func error(_ what: String) -> ConfigError {
        let id = node.mapping?["id"]?.scalar?.string
        let name = id.map { "rule '\($0)'" } ?? "rule #\(index + 1)"
        let line = node.mark.map { " (line \($0.line))" } ?? ""
        return ConfigError.invalid(source, "\(name)\(line): \(what)")
    }

    func rule() throws -> SastRule {
        guard let mapping = node.mapping else { throw error("expected a mapping with id, severity, message, pattern") }
        for key in mapping.keys {
            // Catches typos such as `ignorecase:` that would otherwise be silently ignored.
            let name = key.scalar?.string ?? "?"
            if !Self.knownKeys.contains(name) { throw error("unknown key '\(name)'") }
        }
        guard let id = try string("id"), !id.isEmpty else { throw error("missing field 'id'") }
        guard let severity = try string("severity")?.lowercased() else { throw error("missing field 'severity'") }
        guard SastRuleSet.severities.contains(severity) else {
            throw error("bad severity '\(severity)' (expected high, medium, low or off)")
        }
        let isOff = severity == "off"
        let message = try string("message") ?? ""
        let pattern = try string("pattern") ?? ""
        if !isOff, message.isEmpty { throw error("missing field 'message'") }
        if !isOff, pattern.isEmpty { throw error("missing field 'pattern'") }
        let minEntropy = try number("min_entropy")
        if let minEntropy, minEntropy < 0 { throw error("min_entropy must not be negative") }
        return SastRule(
            id: id, severity: severity, message: message, pattern: pattern,
            languages: try strings("languages")?.map { $0.lowercased() },
            ignoreCase: try bool("ignore_case"), minEntropy: minEntropy, secret: try bool("secret"))
    }

    func compile(_ rule: SastRule) throws -> NSRegularExpression {
        let regex: NSRegularExpression
        do {
            regex = try NSRegularExpression(pattern: rule.pattern, options: rule.ignoreCase == true ? [.caseInsensitive] : [])
        } catch {
            throw self.error("bad regex '\(rule.pattern)'")
        }
        // A pattern that matches nothing at all would fire at column 1 of every line.
        if regex.firstMatch(in: "", range: NSRange(location: 0, length: 0)) != nil {
            throw self.error("pattern matches the empty string")
        }
        return regex
    }

    /// The value for `key`, or nil when absent or null.
    private func value(_ key: String) -> Node? {
        guard let v = node.mapping?[key], v.null == nil else { return nil }
        return v
    }

    private func string(_ key: String) throws -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v.scalar?.string else { throw error("'\(key)' must be a string") }
        return s
    }

    private func bool(_ key: String) throws -> Bool? {
        guard let v = value(key) else { return nil }
        guard let b = v.bool else { throw error("'\(key)' must be true or false") }
        return b
    }

    private func number(_ key: String) throws -> Double? {
        guard let v = value(key) else { return nil }
        guard let d = v.float else { throw error("'\(key)' must be a number") }
        return d
    }

    /// A list of strings; a single string is accepted as a list of one.
    private func strings(_ key: String) throws -> [String]? {
        guard let v = value(key) else { return nil }
        if let s = v.scalar?.string { return [s] }
        guard let items = v.sequence else { throw error("'\(key)' must be a list of strings") }
        return try items.map { item in
            guard let s = item.scalar?.string else { throw error("'\(key)' must be a list of strings") }
            return s
        }
    }
}
