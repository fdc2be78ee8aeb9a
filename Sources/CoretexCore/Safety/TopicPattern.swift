/// Whole-string glob matching with the rules of Go's `path.Match`, which existing
/// policy files are written for: `*` matches any run of characters except `/` (so it crosses
/// `.`: `job.*` matches `job.chat.simple`), `?` one non-`/` character, `[...]` a class with
/// ranges and `^` negation, `\` escapes. A malformed pattern matches nothing.
///
/// The safety kernel matches every job's topic against its tenant's patterns, so a pattern is
/// split into scalars once, and the common shape `literal*` (`job.*`) is a prefix test.
public struct TopicPattern: Sendable, Equatable {
    public let pattern: String
    private let scalars: [Unicode.Scalar]
    /// The literal before a final `*` when that star is the pattern's only metacharacter.
    private let prefix: [Unicode.Scalar]?

    public init(_ pattern: String) {
        self.pattern = pattern
        scalars = Array(pattern.unicodeScalars)
        let head = scalars.dropLast()
        prefix = scalars.last == "*" && !head.contains(where: { "*?[\\".unicodeScalars.contains($0) }) ? Array(head) : nil
    }

    public static func == (a: TopicPattern, b: TopicPattern) -> Bool { a.pattern == b.pattern }

    public func matches(_ name: String) -> Bool {
        if let prefix {
            let s = name.unicodeScalars
            guard s.starts(with: prefix) else { return false }
            return !s.dropFirst(prefix.count).contains("/")
        }
        return Self.match(scalars, 0, Array(name.unicodeScalars), 0) ?? false
    }

    /// nil = malformed pattern.
    private static func match(_ p: [Unicode.Scalar], _ pi: Int, _ s: [Unicode.Scalar], _ si: Int) -> Bool? {
        var pi = pi, si = si
        while pi < p.count {
            switch p[pi] {
            case "*":
                // Collapse runs of stars, then try every split that doesn't cross a '/'.
                while pi < p.count, p[pi] == "*" { pi += 1 }
                if pi == p.count { return !s[si...].contains("/") }
                var k = si
                while true {
                    if let r = match(p, pi, s, k) {
                        if r { return true }
                    } else {
                        return nil
                    }
                    if k == s.count || s[k] == "/" { return false }
                    k += 1
                }
            case "?":
                guard si < s.count, s[si] != "/" else { return validateRest(p, pi + 1) ? false : nil }
                pi += 1
                si += 1
            case "[":
                guard let (matched, next) = matchClass(p, pi, si < s.count ? s[si] : nil) else { return nil }
                guard si < s.count, s[si] != "/", matched else { return validateRest(p, next) ? false : nil }
                pi = next
                si += 1
            case "\\":
                guard pi + 1 < p.count else { return nil }
                guard si < s.count, s[si] == p[pi + 1] else { return validateRest(p, pi + 2) ? false : nil }
                pi += 2
                si += 1
            default:
                guard si < s.count, s[si] == p[pi] else { return validateRest(p, pi + 1) ? false : nil }
                pi += 1
                si += 1
            }
        }
        return si == s.count
    }

    /// Parses the class starting at `p[start] == "["`; returns whether `c` is in it and the
    /// index after `]`, or nil when the class is malformed.
    private static func matchClass(_ p: [Unicode.Scalar], _ start: Int, _ c: Unicode.Scalar?) -> (Bool, Int)? {
        var i = start + 1
        var negated = false
        if i < p.count, p[i] == "^" {
            negated = true
            i += 1
        }
        var matched = false
        var first = true
        while true {
            guard i < p.count else { return nil }
            if p[i] == "]", !first { i += 1; break }
            first = false
            guard let (lo, afterLo) = classChar(p, i) else { return nil }
            i = afterLo
            var hi = lo
            if i < p.count, p[i] == "-" {
                guard let (h, afterHi) = classChar(p, i + 1) else { return nil }
                hi = h
                i = afterHi
            }
            if let c, lo <= c, c <= hi { matched = true }
        }
        return (matched != negated, i)
    }

    private static func classChar(_ p: [Unicode.Scalar], _ i: Int) -> (Unicode.Scalar, Int)? {
        guard i < p.count, p[i] != "-", p[i] != "]" else { return nil }
        if p[i] == "\\" {
            guard i + 1 < p.count else { return nil }
            return (p[i + 1], i + 2)
        }
        return (p[i], i + 1)
    }

    /// Go reports a malformed pattern even after a mismatch; checking the rest keeps
    /// "malformed never matches" true regardless of where the mismatch happened.
    private static func validateRest(_ p: [Unicode.Scalar], _ from: Int) -> Bool {
        var i = from
        while i < p.count {
            switch p[i] {
            case "\\":
                guard i + 1 < p.count else { return false }
                i += 2
            case "[":
                guard let (_, next) = matchClass(p, i, nil) else { return false }
                i = next
            default:
                i += 1
            }
        }
        return true
    }
}
