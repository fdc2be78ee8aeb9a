import Foundation

/// One rule firing on one line.
public struct SastFinding: Codable, Sendable, Equatable {
    public var rule: String
    public var severity: String
    public var message: String
    public var file_path: String
    /// 1-based.
    public var line: Int
    /// 1-based, in characters, where the rule's first match on the line starts.
    public var column: Int
    /// The line trimmed, at most 200 characters, with every secret on it redacted.
    public var snippet: String

    public init(
        rule: String, severity: String, message: String, file_path: String, line: Int, column: Int,
        snippet: String
    ) {
        self.rule = rule
        self.severity = severity
        self.message = message
        self.file_path = file_path
        self.line = line
        self.column = column
        self.snippet = snippet
    }
}

/// Runs a rule set over file contents. Pure: no file system, so the pipeline decides which
/// files to read (binary, huge and linked-out files are its business, not the scanner's).
public enum SastScanner {
    /// The longest snippet a finding carries; long enough to understand, short enough for a table.
    static let snippetLimit = 200

    /// Scans one file's text line by line. Every rule is tried on every line (two different
    /// problems on one line are two findings), but a rule reports a line once, at its first
    /// match. Lines of any length are scanned in full (minified code hides things at column
    /// 10,000 too); only the snippet is cut. Findings come in line order, then rule id order.
    ///
    /// Rules see one line at a time, so a call spread over several lines (`subprocess.run(\n
    /// cmd, shell=True)`) is not matched: a known limit of line rules, kept for predictability.
    public static func scan(text: String, path: String, language: String, rules: SastRuleSet) -> [SastFinding] {
        let language = language.lowercased()
        let active: [(rule: SastRule, regex: NSRegularExpression)] = rules.rules.compactMap { rule in
            guard rule.applies(to: language), let regex = rules.compiled[rule.id] else { return nil }
            return (rule, regex)
        }
        guard !active.isEmpty else { return [] }

        var findings: [SastFinding] = []
        for (index, line) in lines(of: text).enumerated() {
            let nsLine = line as NSString  // bridged once: NSRegularExpression works in UTF-16
            let whole = NSRange(location: 0, length: nsLine.length)
            var hits: [(rule: SastRule, start: NSRange)] = []
            var secrets: [NSRange] = []
            for (rule, regex) in active {
                var first: NSRange?
                for match in regex.matches(in: line, range: whole) {
                    let value = checkedValue(of: match)
                    if let minEntropy = rule.minEntropy, entropy(nsLine.substring(with: value)) < minEntropy {
                        continue
                    }
                    if first == nil { first = match.range }
                    // Keep looking past the first match only to redact every copy of a secret.
                    if rule.secret == true { secrets.append(value) } else { break }
                }
                if let first { hits.append((rule, first)) }
            }
            guard !hits.isEmpty else { continue }

            // Every finding on the line shares one redaction, so no finding's snippet can show
            // a secret that another rule found.
            let redacted = redact(line, secrets)
            for hit in hits.sorted(by: { $0.rule.id < $1.rule.id }) {
                let column = characterOffset(of: hit.start, in: line)
                findings.append(
                    SastFinding(
                        rule: hit.rule.id, severity: hit.rule.severity, message: hit.rule.message,
                        file_path: path, line: index + 1, column: column + 1,
                        snippet: snippet(of: redacted, around: column)))
            }
        }
        return findings
    }

    /// Shannon entropy in bits per character: 0 for `aaaa`, 1 for `ab`, log2(n) for n distinct
    /// characters. Random keys score high (about 4.3 and up for 20+ characters of base62);
    /// words and placeholders score low.
    public static func entropy(_ s: String) -> Double {
        var counts: [Character: Int] = [:]
        for c in s { counts[c, default: 0] += 1 }
        let n = Double(s.count)
        guard n > 0 else { return 0 }
        // Summed in a fixed order so the last bits of the result never depend on hashing, which
        // could flip a comparison with `min_entropy` from one run to the next.
        return counts.values.sorted().reduce(0.0) { sum, count in
            let p = Double(count) / n
            return sum - p * log2(p)
        }
    }

    // MARK: - Helpers

    /// Lines without their terminators; `\r\n` files read like `\n` files. (In Swift `\r\n` is
    /// one Character, so splitting on `"\n"` alone would leave Windows files as one line.)
    static func lines(of text: String) -> [String] {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
    }

    /// The part of a match that entropy is measured on and that is redacted: the first
    /// capture group when the pattern has one and it took part, else the whole match.
    static func checkedValue(of match: NSTextCheckingResult) -> NSRange {
        if match.numberOfRanges > 1, match.range(at: 1).location != NSNotFound { return match.range(at: 1) }
        return match.range
    }

    /// Characters before the UTF-16 `range` (NSRegularExpression's unit) start.
    static func characterOffset(of range: NSRange, in line: String) -> Int {
        let start = String.Index(utf16Offset: range.location, in: line)
        return line[..<start].count
    }

    /// Keeps the first 4 characters of each secret and stars the rest; overlapping secrets are
    /// redacted as one. The character count is unchanged, so columns still line up.
    static func redact(_ line: String, _ secrets: [NSRange]) -> String {
        let ranges = secrets.compactMap { Range($0, in: line) }.sorted { $0.lowerBound < $1.lowerBound }
        var merged: [Range<String.Index>] = []
        for range in ranges {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        var result = ""
        var cursor = line.startIndex
        for range in merged {
            let secret = line[range]
            result += line[cursor..<range.lowerBound]
            result += secret.prefix(4)
            result += String(repeating: "*", count: max(0, secret.count - 4))
            cursor = range.upperBound
        }
        result += line[cursor...]
        return result
    }

    /// The line without surrounding whitespace, cut to `snippetLimit` characters. A long line
    /// is cut around `column` (a 0-based character offset in `line`) so the snippet still
    /// shows what fired; `…` marks each cut end.
    static func snippet(of line: String, around column: Int) -> String {
        let chars = Array(line)
        var lower = 0
        var upper = chars.count
        while lower < upper, chars[lower].isWhitespace { lower += 1 }
        while upper > lower, chars[upper - 1].isWhitespace { upper -= 1 }
        let limit = snippetLimit
        if upper - lower <= limit { return String(chars[lower..<upper]) }

        // Show some context before the match, then as much after as fits.
        let start = max(lower, column - 40)
        if start == lower { return String(chars[lower..<(lower + limit - 1)]) + "…" }
        if start + limit - 1 >= upper { return "…" + String(chars[(upper - limit + 1)..<upper]) }
        return "…" + String(chars[start..<(start + limit - 2)]) + "…"
    }
}
