import CoretexCore
import Foundation
import Testing

@Suite struct GlobTests {
    func glob(_ pattern: String) throws -> Glob { try Glob(pattern) }

    @Test func doubleStarCrossesDirectoriesIncludingNone() throws {
        let go = try glob("**/*.go")
        #expect(go.matches("main.go"))
        #expect(go.matches("a/main.go"))
        #expect(go.matches("a/b/c/main.go"))
        #expect(!go.matches("main.go.txt"))
        #expect(!go.matches("a/b/main.ts"))
    }

    @Test func trailingDoubleStarIsEverythingInsideThatDirectoryOnly() throws {
        let vendor = try glob("vendor/**")
        #expect(vendor.matches("vendor/a.go"))
        #expect(vendor.matches("vendor/a/b.go"))
        #expect(!vendor.matches("robin/vendor-x/a.go"))  // a substring test would exclude this
        #expect(!vendor.matches("robin/vendor/a.go"))  // anchored at the root
        #expect(!vendor.matches("vendor-x/a.go"))
        #expect(!vendor.matches("vendor"))  // a file named vendor is not inside it
    }

    @Test func middleDoubleStarMatchesZeroOrMoreDirectories() throws {
        let ab = try glob("a/**/b")
        #expect(ab.matches("a/b"))
        #expect(ab.matches("a/x/b"))
        #expect(ab.matches("a/x/y/b"))
        #expect(!ab.matches("a/x/y/c"))
        #expect(!ab.matches("x/a/b"))
        #expect(!ab.matches("a/b/c"))
        let tests = try glob("src/**/test_*.py")
        #expect(tests.matches("src/test_a.py"))
        #expect(tests.matches("src/pkg/sub/test_a.py"))
        #expect(!tests.matches("src/pkg/a_test.py"))
    }

    @Test func doubleStarInsideASegmentIsASingleStar() throws {
        let g = try glob("src/a**z.go")
        #expect(g.matches("src/abcz.go"))
        #expect(!g.matches("src/a/z.go"))
        #expect(try glob("**").matches("any/thing/at/all.txt"))
    }

    @Test func starAndQuestionMarkStayWithinOneSegment() throws {
        let star = try glob("src/*.go")
        #expect(star.matches("src/main.go"))
        #expect(star.matches("src/.go"))
        #expect(!star.matches("src/cmd/main.go"))
        let multi = try glob("a/*_test*.go")
        #expect(multi.matches("a/x_test.go"))
        #expect(multi.matches("a/x_test_helpers.go"))
        #expect(!multi.matches("a/x_tst.go"))
        let question = try glob("src/?.go")
        #expect(question.matches("src/a.go"))
        #expect(!question.matches("src/ab.go"))
        #expect(!question.matches("src/.go"))
        #expect(try !glob("a?b").matches("a/b"))
    }

    @Test func characterClasses() throws {
        let set = try glob("[abc].txt")
        #expect(set.matches("a.txt"))
        #expect(set.matches("dir/c.txt"))
        #expect(!set.matches("d.txt"))
        let range = try glob("v[0-9].md")
        #expect(range.matches("v7.md"))
        #expect(!range.matches("vx.md"))
        for negated in ["[!x].c", "[^x].c"] {
            let g = try glob(negated)
            #expect(g.matches("y.c"))
            #expect(!g.matches("x.c"))
        }
        #expect(try !glob("a[!x]b").matches("a/b"))  // a negated class still never matches "/"
        #expect(try !glob("a[/]b").matches("a/b"))
        #expect(try glob("[]x].c").matches("].c"))  // a leading "]" is a member
        #expect(try glob("[a-].c").matches("-.c"))  // a trailing "-" is literal
    }

    @Test func braceAlternatives() throws {
        let ext = try glob("**/*.{go,ts,py}")
        #expect(ext.matches("main.go"))
        #expect(ext.matches("web/app.ts"))
        #expect(ext.matches("a/b/c.py"))
        #expect(!ext.matches("a/b/c.rb"))
        let dirs = try glob("{src,lib/*}/*.go")
        #expect(dirs.matches("src/a.go"))
        #expect(dirs.matches("lib/x/a.go"))
        #expect(!dirs.matches("cmd/a.go"))
        // Each alternative is anchored (or not) on its own.
        let mixed = try glob("{*.md,docs/**}")
        #expect(mixed.matches("deep/README.md"))
        #expect(mixed.matches("docs/a/b.png"))
        #expect(!mixed.matches("x/docs/b.png"))
        let nested = try glob("*.{c{,c,pp},h}")
        #expect(["a.c", "a.cc", "a.cpp", "a.h"].allSatisfy(nested.matches))
        #expect(!nested.matches("a.cp"))
        #expect(try glob("a}b,c").matches("a}b,c"))  // stray "}" and "," are literal
    }

    @Test func patternWithoutSlashMatchesTheNameAtAnyDepth() throws {
        let py = try glob("*.py")
        #expect(py.matches("x.py"))
        #expect(py.matches("src/x.py"))
        #expect(py.matches("a/b/c/x.py"))
        #expect(!py.matches("src/x.pyc"))
        let makefile = try glob("Makefile")
        #expect(makefile.matches("Makefile"))
        #expect(makefile.matches("tools/Makefile"))
        #expect(!makefile.matches("tools/Makefile.bak"))
    }

    @Test func patternWithSlashIsAnchoredAndALeadingSlashOnlyAnchors() throws {
        let anchored = try glob("src/*.py")
        #expect(anchored.matches("src/x.py"))
        #expect(!anchored.matches("pkg/src/x.py"))
        let rooted = try glob("/setup.py")
        #expect(rooted.matches("setup.py"))
        #expect(!rooted.matches("a/setup.py"))
        #expect(try glob("/src/*.py").matches("src/x.py"))
    }

    @Test func trailingSlashMeansTheDirectoryAndEverythingUnderIt() throws {
        let build = try glob("build/")
        #expect(build.matches("build/out.o"))
        #expect(build.matches("build/a/b/out.o"))
        #expect(build.matches("sub/build/out.o"))  // like .gitignore, the trailing "/" doesn't anchor
        #expect(!build.matches("build"))
        #expect(!build.matches("builder/out.o"))
        let rooted = try glob("/build/")
        #expect(rooted.matches("build/a/out.o"))
        #expect(!rooted.matches("sub/build/out.o"))
        let nested = try glob("web/dist/")
        #expect(nested.matches("web/dist/app.js"))
        #expect(!nested.matches("x/web/dist/app.js"))
    }

    @Test func invalidPatternsThrow() {
        #expect(throws: GlobError.unclosedBracket(pattern: "src/[ab.go")) { try Glob("src/[ab.go") }
        #expect(throws: GlobError.unclosedBracket(pattern: "[]")) { try Glob("[]") }
        #expect(throws: GlobError.unclosedBrace(pattern: "*.{go,ts")) { try Glob("*.{go,ts") }
        #expect(throws: GlobError.invalidRange(pattern: "[z-a]")) { try Glob("[z-a]") }
        #expect(throws: GlobError.emptyPattern) { try Glob("") }
        #expect(throws: GlobError.emptyPattern) { try Glob("/") }
        #expect(GlobError.unclosedBrace(pattern: "*.{go").description == "unclosed '{' in glob \"*.{go\"")
        #expect(GlobError.unclosedBracket(pattern: "[a").description == "unclosed '[' in glob \"[a\"")
    }

    @Test func equalPatternsAreEqual() throws {
        #expect(try glob("**/*.go") == glob("**/*.go"))
        #expect(try glob("**/*.go") != glob("*.go"))
        #expect(try glob("x").pattern == "x")
    }

    @Test func nonAsciiNamesMatchByCharacter() throws {
        #expect(try glob("docs/?.md").matches("docs/é.md"))
        #expect(try glob("**/*ü*").matches("a/grün.txt"))
    }

    @Test func manyStarsStayFast() throws {
        // Exponential backtracking would take ages here; the greedy matcher is quadratic at worst.
        let g = try glob("**/" + String(repeating: "a*", count: 20) + "b")
        let name = String(repeating: "a", count: 200)
        #expect(!g.matches(Array(repeating: "d", count: 50).joined(separator: "/") + "/" + name))
        #expect(g.matches("x/" + name + "b"))
    }
}

@Suite struct FileFilterTests {
    @Test func defaultsPickSourceAndManifestsAndDropThirdPartyTrees() throws {
        let filter = try FileFilter(include: FileFilter.defaultInclude, exclude: FileFilter.defaultExclude)
        for path in [
            "src/app.py", "main.go", "a/b/c/d.ts", "go.mod", "go.sum", "web/package.json",
            "requirements-dev.txt", "pyproject.toml", "Package.swift", "tools/Makefile", "Cargo.toml",
            "README.md", "config/app.yaml", "scripts/run.sh", "robin/vendor-x/a.go", "src/vendor.go",
        ] {
            #expect(filter.accepts(path), "\(path) should be accepted")
        }
        for path in [
            "node_modules/x/y.js", "a/node_modules/y.js", "vendor/github.com/x/y.go", ".git/config.json",
            "sub/.git/hooks/pre-commit.sh", "dist/app.js", "build/gen.go", "bin/tool.sh", "obj/x.cs",
            "target/debug/x.rs", ".venv/lib/x.py", "venv/lib/x.py", ".build/debug/x.swift",
            "img/logo.png", "Dockerfile", "LICENSE",
        ] {
            #expect(!filter.accepts(path), "\(path) should be rejected")
        }
        // Root-anchored excludes leave same-named directories deeper down alone.
        #expect(filter.accepts("pkg/build/gen.go"))
        #expect(filter.accepts("internal/vendor/x.go"))
        #expect(FileFilter.standard == filter)
    }

    @Test func excludeWinsAndEmptyIncludeAcceptsEverythingElse() throws {
        let all = try FileFilter(include: [], exclude: ["*.lock"])
        #expect(all.accepts("img/logo.png"))
        #expect(!all.accepts("deep/yarn.lock"))
        let both = try FileFilter(include: ["**/*.go"], exclude: ["**/*_test.go"])
        #expect(both.accepts("a/x.go"))
        #expect(!both.accepts("a/x_test.go"))
        #expect(!both.accepts("a/x.py"))
        let nothing = try FileFilter(include: [], exclude: [])
        #expect(nothing.accepts("anything"))
    }

    @Test func aBadPatternIsReported() {
        #expect(throws: GlobError.unclosedBracket(pattern: "[x")) { try FileFilter(include: ["*.go"], exclude: ["[x"]) }
    }
}

@Suite struct LanguageTests {
    @Test func byExtension() {
        let expected: [String: String] = [
            "main.go": "go", "a/b.ts": "typescript", "c.tsx": "typescript", "d.js": "javascript",
            "e.jsx": "javascript", "f.mjs": "javascript", "g.cjs": "javascript", "h.py": "python",
            "i.rs": "rust", "J.java": "java", "k.cs": "csharp", "l.rb": "ruby", "m.php": "php",
            "n.c": "c", "n.h": "c", "o.cc": "cpp", "o.cpp": "cpp", "o.cxx": "cpp", "o.hpp": "cpp",
            "o.hxx": "cpp", "p.sh": "shell", "p.bash": "shell", "p.zsh": "shell", "q.swift": "swift",
            "r.kt": "kotlin", "s.sql": "sql", "t.json": "json", "u.yaml": "yaml", "u.yml": "yaml",
            "v.toml": "toml", "README.md": "markdown",
        ]
        for (path, language) in expected {
            #expect(Language.of(path: path) == language, "\(path)")
        }
    }

    @Test func extensionIsCaseInsensitiveAndUsesTheLastDot() {
        #expect(Language.of(path: "SRC/MAIN.GO") == "go")
        #expect(Language.of(path: "a/b.test.Ts") == "typescript")
        #expect(Language.of(path: "dir.py/file") == "unknown")  // the dot is in a directory name
    }

    @Test func specialFileNamesAndUnknowns() {
        #expect(Language.of(path: "Makefile") == "makefile")
        #expect(Language.of(path: "tools/Makefile") == "makefile")
        #expect(Language.of(path: "deploy/Dockerfile") == "dockerfile")
        #expect(Language.of(path: "img/logo.png") == "unknown")
        #expect(Language.of(path: "LICENSE") == "unknown")
        #expect(Language.of(path: ".bashrc") == "unknown")
        #expect(Language.of(path: "setup.cfg") == "unknown")
        #expect(Language.of(path: "") == "unknown")
    }

    @Test func codeVersusEverythingElse() {
        for language in [
            "go", "typescript", "javascript", "python", "rust", "java", "csharp", "ruby", "php",
            "c", "cpp", "shell", "swift", "kotlin", "sql",
        ] {
            #expect(Language.isCode(language), "\(language)")
        }
        for language in ["json", "yaml", "toml", "markdown", "makefile", "dockerfile", "unknown"] {
            #expect(!Language.isCode(language), "\(language)")
        }
    }
}

@Suite struct PartitionTests {
    func file(_ path: String, bytes: Int = 0, loc: Int = 0) -> RepoFile {
        RepoFile(path: path, language: Language.of(path: path), bytes: bytes, loc: loc)
    }

    func paths(_ plan: PartitionPlan) -> [[String]] { plan.batches.map(\.files) }

    @Test func riskScoreIsSizePlusTwiceLinesPlusFiveHundredForRiskyPaths() {
        #expect(Partition.riskScore(file("a.go", bytes: 100, loc: 10)) == 120)
        #expect(Partition.riskScore(file("internal/Auth/login.go", bytes: 100, loc: 10)) == 620)
        #expect(Partition.riskScore(file("oauth_token_secret.go", bytes: 1, loc: 1)) == 503)  // +500 once
        for word in ["billing", "PAYMENT", "crypto", "security", "token", "secret", "password"] {
            #expect(Partition.riskScore(file("x/\(word).go")) == 500, "\(word)")
        }
    }

    @Test func highestScoreFirstAndTiesByPath() {
        let files = [
            file("z.go", bytes: 100), file("b.go", bytes: 300), file("a.go", bytes: 100),
            file("auth.go", bytes: 10), file("m.go", bytes: 50, loc: 25),
        ]
        let plan = Partition.plan(files, maxFiles: 10, batchSize: 10, maxBatches: 1)
        #expect(paths(plan) == [["auth.go", "b.go", "a.go", "m.go", "z.go"]])
        #expect(plan.skipped == [])
        // Input order doesn't matter.
        #expect(Partition.plan(files.reversed(), maxFiles: 10, batchSize: 10, maxBatches: 1) == plan)
    }

    @Test func priorityPathsComeFirstInTheirOrderUnknownAndRepeatsDropped() {
        let files = [file("big.go", bytes: 900), file("a.go", bytes: 10), file("b.go", bytes: 20), file("c.go", bytes: 30)]
        let plan = Partition.plan(
            files, maxFiles: 0, batchSize: 0, maxBatches: 0,
            priority: ["a.go", "nope.go", "c.go", "a.go"])
        #expect(paths(plan) == [["a.go", "c.go", "big.go", "b.go"]])
    }

    @Test func includeOnlyKeepsExactPathsAndSkipsTheRest() {
        let files = [file("a.go", bytes: 10), file("b.go", bytes: 20), file("src/c.go", bytes: 30)]
        let plan = Partition.plan(files, maxFiles: 5, batchSize: 5, maxBatches: 5, includeOnly: ["a.go", "src/c.go", "c.go"])
        #expect(paths(plan) == [["src/c.go", "a.go"]])
        #expect(plan.skipped == ["b.go"])
        // A priority path that includeOnly leaves out is skipped too.
        let both = Partition.plan(files, maxFiles: 5, batchSize: 5, maxBatches: 5, priority: ["b.go", "a.go"], includeOnly: ["a.go"])
        #expect(paths(both) == [["a.go"]])
        #expect(both.skipped == ["b.go", "src/c.go"])
    }

    @Test func limitsCutIntoNumberedBatchesAndSkipTheRestInRankOrder() {
        // f0 has the highest score, f9 the lowest.
        let files = (0..<10).map { file("f\($0).go", bytes: 100 - $0) }
        let byFiles = Partition.plan(files, maxFiles: 5, batchSize: 2, maxBatches: 10)
        #expect(
            byFiles.batches == [
                Batch(batch_id: "batch-1", files: ["f0.go", "f1.go"]),
                Batch(batch_id: "batch-2", files: ["f2.go", "f3.go"]),
                Batch(batch_id: "batch-3", files: ["f4.go"]),
            ])
        #expect(byFiles.skipped == ["f5.go", "f6.go", "f7.go", "f8.go", "f9.go"])

        let byBatches = Partition.plan(files, maxFiles: 100, batchSize: 3, maxBatches: 2)
        #expect(paths(byBatches) == [["f0.go", "f1.go", "f2.go"], ["f3.go", "f4.go", "f5.go"]])
        #expect(byBatches.skipped == ["f6.go", "f7.go", "f8.go", "f9.go"])
    }

    @Test func nonPositiveLimitsMeanTheDefaults() {
        let files = (0..<300).map { file(String(format: "f%03d.go", $0), bytes: 1000 - $0) }
        let plan = Partition.plan(files, maxFiles: -1, batchSize: 0, maxBatches: 0)
        #expect(plan.batches.count == 5)
        #expect(plan.batches.map(\.files.count) == [50, 50, 50, 50, 50])
        #expect(plan.batches.map(\.batch_id) == ["batch-1", "batch-2", "batch-3", "batch-4", "batch-5"])
        #expect(plan.batches[0].files.first == "f000.go")
        #expect(plan.skipped.count == 50)
        #expect(plan.skipped.first == "f250.go")

        let capped = Partition.plan(files + (300..<600).map { file("g\($0).go") }, maxFiles: 0, batchSize: 200, maxBatches: 0)
        #expect(capped.batches.map(\.files.count) == [200, 200, 100])  // 500 files by default
        #expect(capped.skipped.count == 100)
    }

    @Test func noFilesGiveAnEmptyPlan() throws {
        let plan = Partition.plan([], maxFiles: 1, batchSize: 1, maxBatches: 1)
        #expect(plan == PartitionPlan(batches: [], skipped: []))
        let json = String(decoding: try JSONEncoder().encode(plan), as: UTF8.self)
        #expect(json.contains("\"skipped\":[]"))
    }

    @Test func wireFormatUsesTheContractsFieldNames() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let plan = PartitionPlan(batches: [Batch(batch_id: "batch-1", files: ["a.go"])], skipped: ["b.go"])
        #expect(
            String(decoding: try encoder.encode(plan), as: UTF8.self)
                == #"{"batches":[{"batch_id":"batch-1","files":["a.go"]}],"skipped":["b.go"]}"#)
        #expect(try JSONDecoder().decode(PartitionPlan.self, from: encoder.encode(plan)) == plan)

        let file = RepoFile(path: "a.go", language: "go", bytes: 3, loc: 1, hash: "abc")
        #expect(
            String(decoding: try encoder.encode(file), as: UTF8.self)
                == #"{"bytes":3,"hash":"abc","language":"go","loc":1,"path":"a.go"}"#)
        let decoded = try JSONDecoder().decode(RepoFile.self, from: Data(#"{"path":"b.py","language":"python","bytes":9,"loc":2}"#.utf8))
        #expect(decoded == RepoFile(path: "b.py", language: "python", bytes: 9, loc: 2))
    }
}
