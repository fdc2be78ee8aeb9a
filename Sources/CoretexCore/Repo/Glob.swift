/// A path glob for choosing repository files, with .gitignore-like rules.
///
/// Paths are relative and `/`-separated, with no leading `./` (`src/app/main.go`).
///
/// - `*` matches any run of characters except `/`; `?` matches one character except `/`.
///   Both match a leading dot too (`*.yml` matches `.golangci.yml`).
/// - `[abc]`, `[a-z]` and `[!x]` or `[^x]` match one character from (or not from) the class; a
///   `]` right after the opening `[` (or `[!`) is a member. Classes never match `/`.
/// - `**` as a whole segment matches zero or more directories: `**/*.go` matches `main.go` and
///   `a/b/main.go`, `a/**/b` matches `a/b` and `a/x/y/b`. A trailing `/**` means everything
///   inside: `vendor/**` matches `vendor/a/b.go` but neither a file named `vendor` nor
///   `robin/vendor-x/a.go`. Elsewhere inside a segment `**` is just `*`.
/// - `{a,b,c}` expands to alternatives before anything else, so they may contain `/`, globs
///   and further braces. Each alternative then follows the rules below on its own:
///   `{*.go,docs/*.md}` is `*.go` at any depth or `docs/*.md` at the root.
/// - A pattern without `/` matches the file name at any depth (`*.py` matches `src/x.py`). A
///   pattern with a `/` is anchored at the root; a leading `/` only anchors and is dropped.
/// - A trailing `/` means "this directory and everything under it": `build/` is `**/build/**`
///   (the trailing slash doesn't count for anchoring, as in .gitignore) and `/build/` is
///   `build/**`.
///
/// There is no escape character; file names with glob metacharacters are rare in source trees.
public struct Glob: Sendable, Equatable {
    public let pattern: String
    /// One compiled pattern per brace alternative; a path matches if any of them does.
    private let alternatives: [[Segment]]

    public init(_ pattern: String) throws(GlobError) {
        guard pattern.contains(where: { $0 != "/" }) else { throw .emptyPattern }
        self.pattern = pattern
        var alternatives: [[Segment]] = []
        for alternative in try Self.expandBraces(Array(pattern), in: pattern) {
            if let compiled = try Self.compile(alternative, in: pattern) { alternatives.append(compiled) }
        }
        self.alternatives = alternatives
    }

    public func matches(_ path: String) -> Bool {
        guard !path.isEmpty else { return false }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map { Array($0) }
        return alternatives.contains { pattern in
            wildcardMatch(pattern, segments, isStar: { $0 == .globstar }, matchesOne: { $0.matches($1) })
        }
    }
}

/// The pattern as written, so logs and test failures show `vendor/**`, not the compiled form.
extension Glob: CustomStringConvertible {
    public var description: String { pattern }
}

public enum GlobError: Error, Equatable, CustomStringConvertible {
    case emptyPattern
    case unclosedBracket(pattern: String)
    case unclosedBrace(pattern: String)
    /// A class range whose ends are reversed, such as `[z-a]`.
    case invalidRange(pattern: String)

    public var description: String {
        switch self {
        case .emptyPattern: "empty glob pattern"
        case .unclosedBracket(let pattern): "unclosed '[' in glob \"\(pattern)\""
        case .unclosedBrace(let pattern): "unclosed '{' in glob \"\(pattern)\""
        case .invalidRange(let pattern): "reversed character range in glob \"\(pattern)\""
        }
    }
}

// MARK: - Compiled form

extension Glob {
    /// One `/`-separated piece of a pattern.
    enum Segment: Sendable, Equatable {
        /// `**`: zero or more whole path segments.
        case globstar
        /// Exactly one path segment.
        case part([Token])

        func matches(_ segment: [Character]) -> Bool {
            guard case .part(let tokens) = self else { return false }
            return wildcardMatch(tokens, segment, isStar: { $0 == .star }, matchesOne: { $0.matches($1) })
        }
    }

    enum Token: Sendable, Equatable {
        case literal(Character)
        /// `?`
        case anyCharacter
        /// `*`
        case star
        case characterClass(CharacterClass)

        func matches(_ c: Character) -> Bool {
            switch self {
            case .literal(let l): c == l
            case .anyCharacter: true
            case .star: false  // stars are handled by `wildcardMatch`
            case .characterClass(let set): set.matches(c)
            }
        }
    }

    struct CharacterClass: Sendable, Equatable {
        var negated: Bool
        var ranges: [ClosedRange<Character>]

        func matches(_ c: Character) -> Bool {
            ranges.contains { $0.contains(c) } != negated
        }
    }

    /// Turns one brace-free alternative into segments; nil when it can match nothing (an empty
    /// alternative such as the first one of `{,*.go}`).
    private static func compile(_ text: [Character], in pattern: String) throws(GlobError) -> [Segment]? {
        var text = text[...]
        let directoryOnly = text.last == "/"
        if directoryOnly { text = text.dropLast() }
        let leadingSlash = text.first == "/"
        if leadingSlash { text = text.dropFirst() }
        if text.isEmpty { return nil }

        var segments = try tokenize(Array(text), in: pattern).map(segment(of:))
        if !leadingSlash && segments.count == 1 {
            segments.insert(.globstar, at: 0)
        }
        if directoryOnly {
            segments.append(.globstar)
        }
        // A trailing `**` means "everything inside", which needs at least one more segment:
        // without this `vendor/**` would also match a file named `vendor`.
        if segments.last == .globstar {
            segments.insert(.part([.star]), at: segments.count - 1)
        }
        return segments
    }

    /// Splits tokens at `/` into segments. Splitting after tokenizing keeps a `/` inside a class
    /// from cutting the class in two.
    private static func tokenize(_ chars: [Character], in pattern: String) throws(GlobError) -> [[Token]] {
        var segments: [[Token]] = [[]]
        var i = 0
        while i < chars.count {
            switch chars[i] {
            case "/":
                segments.append([])
            case "*":
                segments[segments.count - 1].append(.star)
            case "?":
                segments[segments.count - 1].append(.anyCharacter)
            case "[":
                guard let end = classEnd(chars, from: i) else { throw .unclosedBracket(pattern: pattern) }
                segments[segments.count - 1].append(.characterClass(try characterClass(chars[i + 1..<end], in: pattern)))
                i = end
            case let c:
                segments[segments.count - 1].append(.literal(c))
            }
            i += 1
        }
        return segments
    }

    private static func segment(of tokens: [Token]) -> Segment {
        tokens == [.star, .star] ? .globstar : .part(tokens)
    }

    /// `body` is what lies between `[` and `]`.
    private static func characterClass(_ body: ArraySlice<Character>, in pattern: String) throws(GlobError) -> CharacterClass {
        var body = body
        let negated = body.first == "!" || body.first == "^"
        if negated { body = body.dropFirst() }
        let chars = Array(body)
        var ranges: [ClosedRange<Character>] = []
        var i = 0
        while i < chars.count {
            // `a-z` is a range; a `-` first or last is a literal dash.
            if i + 2 < chars.count, chars[i + 1] == "-" {
                guard chars[i] <= chars[i + 2] else { throw .invalidRange(pattern: pattern) }
                ranges.append(chars[i]...chars[i + 2])
                i += 3
            } else {
                ranges.append(chars[i]...chars[i])
                i += 1
            }
        }
        return CharacterClass(negated: negated, ranges: ranges)
    }

    /// Index of the `]` closing the class that opens at `chars[start] == "["`, or nil if it
    /// is never closed. A `]` first in the class (after an optional `!`/`^`) is a member.
    private static func classEnd(_ chars: [Character], from start: Int) -> Int? {
        var i = start + 1
        if i < chars.count, chars[i] == "!" || chars[i] == "^" { i += 1 }
        if i < chars.count, chars[i] == "]" { i += 1 }
        return chars[i...].firstIndex(of: "]")
    }

    /// Expands the first top-level `{...}` and recurses, so nested and repeated braces all
    /// come out as flat alternatives. `[...]` classes are skipped: `[{]` is not a brace.
    private static func expandBraces(_ chars: [Character], in pattern: String) throws(GlobError) -> [[Character]] {
        var open: Int?
        var depth = 0
        var commas: [Int] = []
        var i = 0
        while i < chars.count {
            switch chars[i] {
            case "[":
                if let end = classEnd(chars, from: i) { i = end }
            case "{":
                if depth == 0 { open = i }
                depth += 1
            case "," where depth == 1:
                commas.append(i)
            case "}" where depth > 0:
                depth -= 1
                if depth == 0, let open {
                    let prefix = chars[..<open], suffix = chars[(i + 1)...]
                    let bounds = [open] + commas + [i]
                    var result: [[Character]] = []
                    for k in 0..<(bounds.count - 1) {
                        let alternative = chars[(bounds[k] + 1)..<bounds[k + 1]]
                        result += try expandBraces(Array(prefix + alternative + suffix), in: pattern)
                    }
                    return result
                }
            default:
                break
            }
            i += 1
        }
        if depth > 0 { throw .unclosedBrace(pattern: pattern) }
        return [chars]  // a stray `}` or `,` is literal
    }
}

/// Matches `subject` against `pattern`, where a star element matches any run of subject
/// elements and every other element matches exactly one. Used twice: on characters within a
/// segment (`*`) and on segments within a path (`**`).
///
/// Greedy with a single backtrack point: on a mismatch, retry from the last star letting it
/// swallow one more element. That is enough because an earlier star can never need to be
/// revisited once a later one has matched, which keeps this O(pattern × subject) at worst.
private func wildcardMatch<P, S>(
    _ pattern: [P], _ subject: [S], isStar: (P) -> Bool, matchesOne: (P, S) -> Bool
) -> Bool {
    var p = 0, s = 0
    var lastStar: Int?  // index in `pattern` of the most recent star
    var starResume = 0  // where in `subject` that star's match currently ends
    while s < subject.count {
        if p < pattern.count, isStar(pattern[p]) {
            lastStar = p
            starResume = s
            p += 1
        } else if p < pattern.count, matchesOne(pattern[p], subject[s]) {
            p += 1
            s += 1
        } else if let star = lastStar {
            starResume += 1
            s = starResume
            p = star + 1
        } else {
            return false
        }
    }
    while p < pattern.count, isStar(pattern[p]) { p += 1 }
    return p == pattern.count
}
