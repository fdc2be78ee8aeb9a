import CoretexCore
import Testing

@Suite struct UnifiedDiffTests {
    let abc = "a\nb\nc\n"
    let capitaliseB = "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"

    @Test func bareDiffWithHeadersParsesAndApplies() throws {
        let text = "--- a/Sources/x.swift\n+++ b/Sources/x.swift\n" + capitaliseB
        #expect(UnifiedDiff.extract(from: text) == text)
        let diff = try UnifiedDiff.parse(text)
        #expect(diff.oldPath == "Sources/x.swift")
        #expect(diff.newPath == "Sources/x.swift")
        #expect(!diff.createsFile)
        #expect(diff.otherFiles == [])
        #expect(diff.hunks.count == 1)
        let hunk = try #require(diff.hunks.first)
        #expect([hunk.oldStart, hunk.oldCount, hunk.newStart, hunk.newCount] == [1, 3, 1, 3])
        #expect(hunk.lines == [.context("a"), .removed("b"), .added("B"), .context("c")])
        #expect(try diff.apply(to: abc) == "a\nB\nc\n")
    }

    @Test func fencedDiffIsFoundInProse() throws {
        let answer = "Here is the fix:\n\n```diff\n@@ -2 +2 @@\n-b\n+B\n```\n\nThis capitalises b.\n"
        #expect(UnifiedDiff.extract(from: answer) == "@@ -2 +2 @@\n-b\n+B\n")
        let check = PatchCheck.check(answer: answer, original: abc, filePath: "x.swift")
        #expect(check.format == .unifiedDiff)
        #expect(check.content == "@@ -2 +2 @@\n-b\n+B\n")
        #expect(check.applies == true)
        #expect(check.note == nil)
        #expect(check.patched == "a\nB\nc\n")
    }

    @Test func fenceChoiceSkipsNonDiffBlocks() {
        let answer = "Old:\n```swift\nlet b = 1\n```\nPatch:\n```\n@@ -1 +1 @@\n-b\n+B\n```\n"
        #expect(UnifiedDiff.extract(from: answer) == "@@ -1 +1 @@\n-b\n+B\n")
        #expect(UnifiedDiff.extract(from: "```patch\n--- x\n+++ x\n```") == "--- x\n+++ x\n")
        #expect(UnifiedDiff.extract(from: "```swift\nlet b = 1\n```\n") == nil)
        #expect(UnifiedDiff.extract(from: "Rename b to B.") == nil)
    }

    @Test func bareDiffStopsBeforeTrailingProse() {
        let answer = "Change:\n@@ -1 +1 @@\n-b\n+B\n\nThat is all.\n"
        #expect(UnifiedDiff.extract(from: answer) == "@@ -1 +1 @@\n-b\n+B\n")
    }

    @Test func fencedLineInsideTheDiffDoesNotCloseTheBlock() throws {
        let original = "# Title\n```\ncode\n```\n"
        let answer = "```diff\n@@ -2,3 +2,3 @@\n ```\n-code\n+CODE\n ```\n```\n"
        #expect(UnifiedDiff.extract(from: answer) == "@@ -2,3 +2,3 @@\n ```\n-code\n+CODE\n ```\n")
        #expect(
            PatchCheck.check(answer: answer, original: original, filePath: "README.md").patched
                == "# Title\n```\nCODE\n```\n")
    }

    @Test func hunkIsFoundAtAnOffset() throws {
        let diff = try UnifiedDiff.parse(capitaliseB)
        #expect(try diff.apply(to: "// header\n// more\n\n" + abc) == "// header\n// more\n\na\nB\nc\n")
    }

    @Test func nearestMatchWinsOverTheFirst() throws {
        let diff = try UnifiedDiff.parse("@@ -6,2 +6,2 @@\n a\n-b\n+B\n")
        let original = "a\nb\nx\nx\nx\nx\na\nb\n"
        #expect(try diff.apply(to: original) == "a\nb\nx\nx\nx\nx\na\nB\n")
    }

    @Test func multipleHunksApplyInOrderAndCarryTheOffset() throws {
        let file = (1...10).map { "line \($0)\n" }.joined()
        let diff = try UnifiedDiff.parse(
            """
            @@ -1,3 +1,3 @@
            -line 1
            +LINE 1
             line 2
             line 3
            @@ -8,3 +8,4 @@
             line 8
             line 9
            +line 9.5
             line 10

            """)
        #expect(diff.hunks.map(\.newStart) == [1, 8])
        let expected = "LINE 1\n" + (2...9).map { "line \($0)\n" }.joined() + "line 9.5\nline 10\n"
        #expect(try diff.apply(to: file) == expected)
        #expect(try diff.apply(to: "extra a\nextra b\n" + file) == "extra a\nextra b\n" + expected)
    }

    @Test func addsAtEndKeepingTheFinalNewlineOrItsAbsence() throws {
        let diff = try UnifiedDiff.parse("@@ -2 +2,2 @@\n b\n+c\n")
        #expect(try diff.apply(to: "a\nb\n") == "a\nb\nc\n")
        #expect(try diff.apply(to: "a\nb") == "a\nb\nc")
        let insertion = try UnifiedDiff.parse("@@ -2,0 +3 @@\n+c\n")
        #expect(try insertion.apply(to: "a\nb\n") == "a\nb\nc\n")
    }

    @Test func noNewlineMarkersAreIgnored() throws {
        let diff = try UnifiedDiff.parse(
            """
            @@ -1,2 +1,2 @@
             a
            -b
            \\ No newline at end of file
            +B
            \\ No newline at end of file

            """)
        #expect(diff.hunks.first?.lines == [.context("a"), .removed("b"), .added("B")])
        #expect(try diff.apply(to: "a\nb") == "a\nB")
    }

    @Test func trailingWhitespaceAndLostBlankContextSpacesAreTolerated() throws {
        // The context line keeps the file's own trailing spaces; the blank line has no leading space.
        let diff = try UnifiedDiff.parse("@@ -1,3 +1,3 @@\n a\n\n-b \n+B\n")
        #expect(try diff.apply(to: "a  \n\nb\n") == "a  \n\nB\n")
        // CRLF answers parse like LF ones.
        #expect(try UnifiedDiff.parse("@@ -1,3 +1,3 @@\r\n a\r\n-b\r\n+B\r\n c\r\n").apply(to: abc) == "a\nB\nc\n")
    }

    @Test func contextMismatchNamesTheWrongLine() throws {
        let diff = try UnifiedDiff.parse("@@ -1,3 +1,3 @@\n let a = 1\n-let b = 2\n+let b = 20\n let c = 3\n")
        let error = DiffError.contextMismatch(hunk: 1, expectedLine: 2, expected: "let b = 2", found: "let b = 3")
        #expect(throws: error) { try diff.apply(to: "let a = 1\nlet b = 3\nlet c = 3\n") }
        #expect(error.description == "hunk 1 expects line 2 to be \"let b = 2\" but it is \"let b = 3\"")

        let pastEnd = try UnifiedDiff.parse("@@ -1,2 +1,2 @@\n a\n-b\n+c\n")
        #expect(throws: DiffError.contextMismatch(hunk: 1, expectedLine: 2, expected: "b", found: nil)) {
            try pastEnd.apply(to: "a\n")
        }
        #expect(
            DiffError.contextMismatch(hunk: 1, expectedLine: 2, expected: "b", found: nil).description
                == "hunk 1 expects line 2 to be \"b\" but the file ends before it")
    }

    @Test func countsMustMatchTheHeader() {
        #expect(throws: DiffError.countMismatch(hunk: 1, expectedOld: 3, expectedNew: 3, foundOld: 2, foundNew: 2)) {
            try UnifiedDiff.parse("@@ -1,3 +1,3 @@\n a\n-b\n+B\n")
        }
        #expect(throws: DiffError.countMismatch(hunk: 2, expectedOld: 1, expectedNew: 1, foundOld: 2, foundNew: 2)) {
            try UnifiedDiff.parse("@@ -1 +1 @@\n-a\n+A\n@@ -3 +3 @@\n c\n d\n")
        }
        #expect(
            DiffError.countMismatch(hunk: 1, expectedOld: 3, expectedNew: 3, foundOld: 2, foundNew: 2).description
                == "hunk 1 has 2 old and 2 new lines but its header says 3 and 3")
    }

    @Test func malformedOrMissingHunksDoNotParse() {
        #expect(throws: DiffError.malformedHunkHeader(line: 3, text: "@@ lines 1-3 @@")) {
            try UnifiedDiff.parse("--- a/x\n+++ b/x\n@@ lines 1-3 @@\n-b\n")
        }
        #expect(throws: DiffError.noHunks) { try UnifiedDiff.parse("--- a/x\n+++ b/x\n") }
    }

    @Test func overlappingHunksAreRejected() throws {
        let diff = try UnifiedDiff.parse("@@ -2,2 +2,2 @@\n b\n-c\n+C\n@@ -1,2 +1,2 @@\n a\n-b\n+B\n")
        #expect(throws: DiffError.overlappingHunk(hunk: 2)) { try diff.apply(to: "a\nb\nc\nd\n") }
    }

    @Test func diffFromDevNullCreatesTheFile() throws {
        let text = "--- /dev/null\n+++ b/new.swift\n@@ -0,0 +1,2 @@\n+let x = 1\n+let y = 2\n"
        let diff = try UnifiedDiff.parse(text)
        #expect(diff.createsFile)
        #expect(diff.oldPath == nil)
        #expect(diff.newPath == "new.swift")
        #expect(try diff.apply(to: "") == "let x = 1\nlet y = 2\n")
        #expect(throws: DiffError.fileExists) { try diff.apply(to: "old\n") }

        for original in ["", nil] as [String?] {
            let check = PatchCheck.check(answer: text, original: original, filePath: "new.swift")
            #expect(check.applies == true)
            #expect(check.patched == "let x = 1\nlet y = 2\n")
            #expect(check.note == nil)
        }
    }
}

@Suite struct PatchCheckTests {
    let original = "a\nb\nc\n"
    let diff = "--- a/Sources/x.swift\n+++ b/Sources/x.swift\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"

    @Test func proseIsReportedAsText() {
        let check = PatchCheck.check(answer: "  Just rename b to B.\n", original: original, filePath: "x.swift")
        #expect(check == PatchCheck.check(answer: "Just rename b to B.", original: nil, filePath: nil))
        #expect(check.format == .text)
        #expect(check.format.rawValue == "text")
        #expect(check.content == "Just rename b to B.")
        #expect(check.applies == nil)
        #expect(check.note == "the model's answer is not a unified diff")
        #expect(check.patched == nil)

        let replacement = PatchCheck.check(answer: "```swift\nlet B = 1\n```", original: original, filePath: "x.swift")
        #expect(replacement.format == .text)
        #expect(replacement.content == "```swift\nlet B = 1\n```")
        #expect(PatchCheck.check(answer: " \n", original: original, filePath: nil).note == "the model's answer is empty")
    }

    @Test func unparsableDiffIsTextWithTheReason() {
        let check = PatchCheck.check(answer: "```diff\n@@ lines 1-3 @@\n-b\n+B\n```", original: original, filePath: "x.swift")
        #expect(check.format == .text)
        #expect(check.applies == nil)
        #expect(
            check.note == "the model's answer looks like a diff but does not parse: "
                + "line 1 is not a valid hunk header: \"@@ lines 1-3 @@\" (expected \"@@ -a,b +c,d @@\")")
    }

    @Test func diffThatAppliesReturnsThePatchedFile() {
        let check = PatchCheck.check(answer: diff, original: original, filePath: "Sources/x.swift")
        #expect(check.format == .unifiedDiff)
        #expect(check.format.rawValue == "unified_diff")
        #expect(check.content == diff)
        #expect(check.applies == true)
        #expect(check.note == nil)
        #expect(check.patched == "a\nB\nc\n")
    }

    @Test func diffThatDoesNotApplySaysWhy() {
        let check = PatchCheck.check(answer: diff, original: "a\nx\nc\n", filePath: "Sources/x.swift")
        #expect(check.format == .unifiedDiff)
        #expect(check.applies == false)
        #expect(check.patched == nil)
        #expect(check.note == "the diff does not apply to Sources/x.swift: hunk 1 expects line 2 to be \"b\" but it is \"x\"")
    }

    @Test func unknownOriginalLeavesAppliesOpen() {
        for unknown in ["", nil] as [String?] {
            let check = PatchCheck.check(answer: diff, original: unknown, filePath: "x.swift")
            #expect(check.format == .unifiedDiff)
            #expect(check.applies == nil)
            #expect(check.patched == nil)
            #expect(check.note == "the original of x.swift was not given, so the diff was not applied")
        }
    }

    @Test func pathMismatchIsANoteNotAFailure() {
        let other = "--- a/Sources/Other.swift\n+++ b/Sources/Other.swift\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
        let check = PatchCheck.check(answer: other, original: original, filePath: "Sources/x.swift")
        #expect(check.applies == true)
        #expect(check.patched == "a\nB\nc\n")
        #expect(check.note == "the diff is for Sources/Other.swift, not Sources/x.swift")

        // Only the basename is compared: models rarely know the repository layout.
        #expect(PatchCheck.check(answer: diff, original: original, filePath: "App/x.swift").note == nil)
    }

    @Test func otherFilesInTheDiffAreNamed() {
        let two = diff + "--- a/y.swift\n+++ b/y.swift\n@@ -1 +1 @@\n-y\n+Y\n"
        let check = PatchCheck.check(answer: two, original: original, filePath: "x.swift")
        #expect(check.applies == true)
        #expect(check.patched == "a\nB\nc\n")
        #expect(check.note == "the diff also changes y.swift; only its first file was checked")
    }
}
