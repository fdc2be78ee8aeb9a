import Foundation

/// A parsed unified diff, as a code model writes one for the file it was asked to change.
///
/// Models are sloppy with diffs, so parsing is strict where a mistake changes the meaning (hunk
/// headers and their line counts) and lenient where it does not: file headers may be missing,
/// prose may surround the diff, and a blank line stands for a blank context line whose leading
/// space was lost. Applying tolerates trailing-whitespace differences and shifted line numbers,
/// never different content.
public struct UnifiedDiff: Sendable, Equatable {
    public struct Hunk: Sendable, Equatable {
        public var oldStart: Int
        public var oldCount: Int
        public var newStart: Int
        public var newCount: Int
        public var lines: [Line]
    }

    public enum Line: Sendable, Equatable {
        case context(String)
        case removed(String)
        case added(String)
    }

    /// The paths from the `--- `/`+++ ` headers without git's `a/` and `b/` prefixes;
    /// nil for `/dev/null` or when the diff starts at its first hunk.
    public var oldPath: String?
    public var newPath: String?
    /// The old side is `/dev/null`: the diff creates the file, so it applies only to an empty one.
    public var createsFile: Bool
    /// The first file's hunks. The worker patches one file, so a diff covering several is parsed
    /// up to the second file's header; the other files are only named, in `otherFiles`.
    public var hunks: [Hunk]
    public var otherFiles: [String]
}

/// Why a diff does not parse or does not apply. Line and hunk numbers are 1-based; the
/// descriptions are meant to be shown to people (and fed back to the model).
public enum DiffError: Error, Equatable, CustomStringConvertible {
    /// There is no `@@` line at all.
    case noHunks
    /// A line starting with `@@` is not `@@ -a,b +c,d @@` (`line` counts within the diff text).
    case malformedHunkHeader(line: Int, text: String)
    /// The hunk's body has a different number of old or new lines than its header says.
    case countMismatch(hunk: Int, expectedOld: Int, expectedNew: Int, foundOld: Int, foundNew: Int)
    /// The hunk's context and removed lines are nowhere in the file. Reported at the place where
    /// most of them match, so `expectedLine` is the file line the model most likely got wrong;
    /// `found` is nil past the end of the file.
    case contextMismatch(hunk: Int, expectedLine: Int, expected: String, found: String?)
    /// The hunk matches only inside or before the previous hunk; hunks must come in file order.
    case overlappingHunk(hunk: Int)
    /// The diff creates the file (`--- /dev/null`) but the file it is applied to is not empty.
    case fileExists

    public var description: String {
        switch self {
        case .noHunks:
            return "the diff has no hunks (no \"@@ -a,b +c,d @@\" line)"
        case .malformedHunkHeader(let line, let text):
            return "line \(line) is not a valid hunk header: \"\(text)\" (expected \"@@ -a,b +c,d @@\")"
        case .countMismatch(let hunk, let expectedOld, let expectedNew, let foundOld, let foundNew):
            return "hunk \(hunk) has \(foundOld) old and \(foundNew) new lines but its header says "
                + "\(expectedOld) and \(expectedNew)"
        case .contextMismatch(let hunk, let line, let expected, let found?):
            return "hunk \(hunk) expects line \(line) to be \"\(expected)\" but it is \"\(found)\""
        case .contextMismatch(let hunk, let line, let expected, nil):
            return "hunk \(hunk) expects line \(line) to be \"\(expected)\" but the file ends before it"
        case .overlappingHunk(let hunk):
            return "hunk \(hunk) overlaps the hunk before it"
        case .fileExists:
            return "the diff creates the file but the original is not empty"
        }
    }
}

// MARK: - Finding the diff in an answer

extension UnifiedDiff {
    /// Finds the diff text in a model answer: the first fenced block whose language is diff/patch
    /// or whose body looks like a diff, else a bare diff starting at a `--- ` line followed by
    /// `+++ `, or at the first `@@` line. Returns nil when there is none. The result ends with a newline.
    public static func extract(from text: String) -> String? {
        let lines = splitLines(text)
        if let block = firstDiffBlock(in: lines) { return joined(block) }
        return bareDiff(in: lines).map(joined)
    }

    private static func firstDiffBlock(in lines: [String]) -> [String]? {
        var i = 0
        while i < lines.count {
            guard let fence = Fence(opening: lines[i]) else {
                i += 1
                continue
            }
            var body: [String] = []
            i += 1
            while i < lines.count, !fence.closes(lines[i]) {  // an unclosed fence runs to the end (a cut-off answer)
                body.append(fence.unindented(lines[i]))
                i += 1
            }
            i += 1
            let hasContent = body.contains { !$0.allSatisfy(\.isWhitespace) }
            if hasContent, ["diff", "patch", "udiff"].contains(fence.language) || looksLikeDiff(body) { return body }
        }
        return nil
    }

    /// From the first header or hunk line to the next fence, without trailing prose.
    private static func bareDiff(in lines: [String]) -> [String]? {
        guard let start = lines.indices.first(where: { isFileHeader(lines, at: $0) || lines[$0].hasPrefix("@@") })
        else { return nil }
        var end = lines[start...].firstIndex { Fence(opening: $0) != nil } ?? lines.count
        while end > start + 1, !isDiffLike(lines[end - 1]) { end -= 1 }
        return Array(lines[start..<end])
    }

    private static func looksLikeDiff(_ lines: [String]) -> Bool {
        lines.indices.contains { lines[$0].hasPrefix("@@") || isFileHeader(lines, at: $0) }
    }

    private static func isDiffLike(_ line: String) -> Bool {
        guard let first = line.unicodeScalars.first else { return false }
        return " +-@\\".unicodeScalars.contains(first)
    }

    private static func joined(_ lines: [String]) -> String {
        lines.joined(separator: "\n") + "\n"
    }

    /// A markdown code fence. The closing fence must have the opening's indentation exactly, so a
    /// context line " ```" (a fence inside the patched file) does not end the block.
    private struct Fence {
        var indent: Substring
        var ticks: Int
        var language: String

        init?(opening line: String) {
            let rest = line.drop { $0 == " " || $0 == "\t" }
            let ticks = rest.prefix { $0 == "`" }.count
            guard ticks >= 3 else { return nil }
            let info = rest.dropFirst(ticks)
            guard !info.contains("`") else { return nil }
            indent = line.prefix(line.count - rest.count)
            self.ticks = ticks
            language = info.split(separator: " ").first.map { $0.lowercased() } ?? ""
        }

        func closes(_ line: String) -> Bool {
            guard line.hasPrefix(indent) else { return false }
            let rest = line.dropFirst(indent.count)
            let ticks = rest.prefix { $0 == "`" }.count
            return ticks >= self.ticks && rest.dropFirst(ticks).allSatisfy(\.isWhitespace)
        }

        func unindented(_ line: String) -> String {
            line.hasPrefix(indent) ? String(line.dropFirst(indent.count)) : line
        }
    }
}

// MARK: - Parsing

extension UnifiedDiff {
    /// Parses diff text. Headers are optional (a diff may start at `@@`); lines that belong to no
    /// hunk (`diff --git`, `index …`, prose) are skipped. Hunk line counts are checked against the
    /// header (`@@ -3 +3 @@` means a count of 1). `\ No newline at end of file` lines are accepted
    /// and ignored: `apply` keeps the file's own final newline, which models rarely get right.
    public static func parse(_ text: String) throws(DiffError) -> UnifiedDiff {
        let lines = splitLines(text)
        var diff = UnifiedDiff(oldPath: nil, newPath: nil, createsFile: false, hunks: [], otherFiles: [])
        var i = 0
        while i < lines.count {
            if isFileHeader(lines, at: i) {
                if !diff.hunks.isEmpty {
                    diff.otherFiles = fileNames(in: lines[i...])
                    break
                }
                diff.oldPath = headerPath(lines[i])
                diff.newPath = headerPath(lines[i + 1])
                diff.createsFile = lines[i].dropFirst(4).hasPrefix("/dev/null")
                i += 2
            } else if lines[i].hasPrefix("@@") {
                var hunk = try hunkHeader(lines[i], lineNumber: i + 1)
                i = try readBody(of: &hunk, number: diff.hunks.count + 1, lines: lines, from: i + 1)
                diff.hunks.append(hunk)
            } else {
                i += 1
            }
        }
        guard !diff.hunks.isEmpty else { throw .noHunks }
        return diff
    }

    /// `@@ -a[,b] +c[,d] @@ optional section heading`; an omitted count means 1.
    private static func hunkHeader(_ line: String, lineNumber: Int) throws(DiffError) -> Hunk {
        let parts = line.split(separator: " ")
        guard parts.count >= 4, parts[0] == "@@", parts[3].hasPrefix("@@"),
            let old = range(parts[1], sign: "-"), let new = range(parts[2], sign: "+")
        else { throw .malformedHunkHeader(line: lineNumber, text: line) }
        return Hunk(oldStart: old.start, oldCount: old.count, newStart: new.start, newCount: new.count, lines: [])
    }

    private static func range(_ text: Substring, sign: Character) -> (start: Int, count: Int)? {
        guard text.first == sign else { return nil }
        let numbers = text.dropFirst().split(separator: ",", omittingEmptySubsequences: false)
        guard numbers.count <= 2, numbers[0].allSatisfy(\.isASCII), let start = Int(numbers[0]), start >= 0
        else { return nil }
        guard numbers.count == 2 else { return (start, 1) }
        guard let count = Int(numbers[1]), count >= 0 else { return nil }
        return (start, count)
    }

    /// Reads a hunk's body. The header's counts say where it ends, since a body line may itself
    /// look like anything (a removed "-- comment" reads "--- comment"); hunk lines directly after
    /// that point mean the counts are wrong, which is reported rather than guessed around.
    private static func readBody(of hunk: inout Hunk, number: Int, lines: [String], from start: Int)
        throws(DiffError) -> Int
    {
        var i = start
        var old = 0, new = 0
        func isBoundary(_ i: Int) -> Bool { lines[i].hasPrefix("@@") || isFileHeader(lines, at: i) }
        while i < lines.count, old < hunk.oldCount || new < hunk.newCount || isNoNewlineMarker(lines[i]) {
            if isNoNewlineMarker(lines[i]) {
                i += 1
                continue
            }
            guard !isBoundary(i), !lines[i].isEmpty || hunk.oldCount > old && hunk.newCount > new,
                let line = bodyLine(lines[i])
            else { break }
            hunk.lines.append(line)
            if case .added = line {} else { old += 1 }
            if case .removed = line {} else { new += 1 }
            i += 1
        }
        func continues(_ i: Int) -> Bool {
            i < lines.count && !isBoundary(i) && !lines[i].isEmpty && bodyLine(lines[i]) != nil
        }
        if old != hunk.oldCount || new != hunk.newCount || continues(i) {
            // Count what the model actually wrote, up to the next blank line, header or prose.
            while continues(i), let line = bodyLine(lines[i]) {
                if case .added = line {} else { old += 1 }
                if case .removed = line {} else { new += 1 }
                i += 1
            }
            throw .countMismatch(
                hunk: number, expectedOld: hunk.oldCount, expectedNew: hunk.newCount,
                foundOld: old, foundNew: new)
        }
        return i
    }

    /// A hunk body line; a blank line is a blank context line whose leading space was lost.
    private static func bodyLine(_ line: String) -> Line? {
        guard let marker = line.unicodeScalars.first else { return .context("") }
        let text = String(Substring(line.unicodeScalars.dropFirst()))
        switch marker {
        case " ": return .context(text)
        case "-": return .removed(text)
        case "+": return .added(text)
        default: return nil
        }
    }

    private static func isNoNewlineMarker(_ line: String) -> Bool { line.hasPrefix("\\") }

    /// `--- path` directly followed by `+++ path`.
    private static func isFileHeader(_ lines: [String], at i: Int) -> Bool {
        i + 1 < lines.count && lines[i].hasPrefix("--- ") && lines[i + 1].hasPrefix("+++ ")
    }

    /// `--- a/Sources/x.swift\t2024-01-01 …` → `Sources/x.swift`; `/dev/null` → nil.
    private static func headerPath(_ line: String) -> String? {
        var path = line.dropFirst(4)
        if let tab = path.firstIndex(of: "\t") { path = path[..<tab] }
        path = path.drop { $0 == " " }
        while path.last == " " { path = path.dropLast() }
        if path.isEmpty || path == "/dev/null" { return nil }
        if path.hasPrefix("a/") || path.hasPrefix("b/") { path = path.dropFirst(2) }
        return String(path)
    }

    private static func fileNames(in lines: ArraySlice<String>) -> [String] {
        let lines = Array(lines)
        return lines.indices.filter { isFileHeader(lines, at: $0) }.map { i in
            headerPath(lines[i + 1]) ?? headerPath(lines[i]) ?? "/dev/null"
        }
    }

    /// Lines split on "\n" (UTF-8, because Swift treats "\r\n" as one Character), a "\r" before
    /// the "\n" dropped, and no empty last line for a final newline.
    fileprivate static func splitLines(_ text: String) -> [String] {
        var lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
        }
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}

// MARK: - Applying

extension UnifiedDiff {
    /// Applies the hunks to the file's text, keeping whether it ended with a newline (a created file
    /// gets one). Context and removed lines must match the file up to trailing whitespace, which
    /// models often strip. A hunk may sit at an offset from its stated line, as with `patch`: the
    /// nearest match wins, and the offset carries over to later hunks. Content is never fuzzed.
    /// Hunks apply in order and may not overlap.
    public func apply(to original: String) throws(DiffError) -> String {
        if createsFile, !original.isEmpty { throw .fileExists }
        let endsWithNewline = original.isEmpty || original.utf8.last == UInt8(ascii: "\n")
        // Not splitLines: "\r" is part of a file line here, so context lines are copied unchanged.
        var lines = original.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        if endsWithNewline { lines.removeLast() }

        var output: [String] = []
        var cursor = 0  // first file line not yet copied; later hunks may not match before it
        var offset = 0
        for (index, hunk) in hunks.enumerated() {
            let old = hunk.lines.compactMap { line -> String? in
                switch line {
                case .context(let text), .removed(let text): return text
                case .added: return nil
                }
            }
            // A hunk with no old lines inserts after line `oldStart`; otherwise it starts at it.
            let stated = hunk.oldCount == 0 ? hunk.oldStart : hunk.oldStart - 1
            let expected = stated + offset
            guard let position = Self.find(old, in: lines, near: expected, from: cursor) else {
                if Self.find(old, in: lines, near: expected, from: 0) != nil { throw .overlappingHunk(hunk: index + 1) }
                throw Self.mismatch(old, in: lines, near: expected, from: cursor, hunk: index + 1)
            }
            output += lines[cursor..<position]
            var line = position
            for change in hunk.lines {
                switch change {
                case .context:
                    output.append(lines[line])  // the file's own text, trailing whitespace included
                    line += 1
                case .removed:
                    line += 1
                case .added(let text):
                    output.append(text)
                }
            }
            cursor = line
            offset = position - stated
        }
        output += lines[cursor...]
        guard !output.isEmpty else { return "" }
        return output.joined(separator: "\n") + (endsWithNewline ? "\n" : "")
    }

    /// Where `old` matches `lines` at or after `lowest`, trying `near` first and then moving out
    /// one line at a time in both directions.
    private static func find(_ old: [String], in lines: [String], near: Int, from lowest: Int) -> Int? {
        let highest = lines.count - old.count
        guard highest >= lowest else { return nil }
        let start = min(max(near, lowest), highest)
        for distance in 0...(highest - lowest) {
            for position in [start + distance, start - distance] where (lowest...highest).contains(position) {
                if matchCount(old, in: lines, at: position) == old.count { return position }
            }
        }
        return nil
    }

    /// The error for a hunk that matches nowhere: its first wrong line at the place where most of
    /// its lines match (nearest the expected place on ties), i.e. the line the model most likely got wrong.
    private static func mismatch(_ old: [String], in lines: [String], near: Int, from lowest: Int, hunk: Int)
        -> DiffError
    {
        var best = (position: lowest, score: -1)
        for position in lowest...max(lowest, lines.count - 1) {
            let score = matchCount(old, in: lines, at: position)
            if score > best.score || score == best.score && abs(position - near) < abs(best.position - near) {
                best = (position, score)
            }
        }
        let k = old.indices.first { best.position + $0 >= lines.count || !sameLine(old[$0], lines[best.position + $0]) } ?? 0
        let line = best.position + k
        return .contextMismatch(
            hunk: hunk, expectedLine: line + 1, expected: old[k],
            found: line < lines.count ? lines[line] : nil)
    }

    private static func matchCount(_ old: [String], in lines: [String], at position: Int) -> Int {
        old.indices.filter { position + $0 < lines.count && sameLine(old[$0], lines[position + $0]) }.count
    }

    private static func sameLine(_ a: String, _ b: String) -> Bool {
        a == b || withoutTrailingWhitespace(a) == withoutTrailingWhitespace(b)
    }

    private static func withoutTrailingWhitespace(_ s: String) -> Substring {
        var s = Substring(s)
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return s
    }
}
