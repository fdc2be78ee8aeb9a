#!/usr/bin/env python3
"""Check that every `import X` in a target's Swift sources names a module the target declares.

    scripts/check-imports.py

A module is declared when it is one of the target's dependencies in Package.swift: another target
of this package (system-library targets such as CNATS included), or a product of a dependency
package (`.product(name: "NIOPosix", package: "swift-nio")` makes `NIOPosix` importable; a
`byName` entry names either). The toolchain's own modules (ALWAYS_AVAILABLE) need no declaration.
Anything else compiles only because it happens to be reachable through some other dependency, and
breaks when that dependency changes. SwiftPM's `--explicit-target-dependency-import-check` covers
only this package's own targets; this covers the products of other packages too.

The manifest comes from `swift package dump-package` (no build, no resolution), run with a
throw-away scratch path so it neither waits for nor disturbs a build using .build. `$SWIFT`
overrides the `swift` executable, as in the Makefile.

Prints `file:line: target T imports M, which T does not declare in Package.swift` for each problem
and exits 1; otherwise prints a one-line summary and exits 0 (2 if the manifest cannot be read).
"""

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Modules every target can import without declaring anything: the standard library, the
# toolchain's Foundation and Dispatch, the C libraries of the platforms, and the test libraries.
ALWAYS_AVAILABLE = frozenset(
    {
        "Swift",
        "_Concurrency",
        "_StringProcessing",
        "Foundation",
        "FoundationEssentials",
        "FoundationInternationalization",
        "FoundationNetworking",
        "FoundationXML",
        "Dispatch",
        "Glibc",
        "Musl",
        "Darwin",
        "WinSDK",
        "XCTest",
        "Testing",
        "Synchronization",
        "RegexBuilder",
        "os",
        "CryptoKit",
    }
)

# Target types whose folders hold no Swift sources of their own to check.
UNSCANNED_TYPES = frozenset({"system", "binary"})

# `import X`, `import X.Y`, `import struct X.Y`, with any attributes (`@testable`, `@_exported`,
# `@preconcurrency`, `@_spi(Name)`, ...) and access level (`public import X`) in front.
_ATTRIBUTE = r"@\w+(?:\([^)]*\))?\s+"
IMPORT = re.compile(
    rf"^\s*(?:{_ATTRIBUTE})*(?:(?:public|package|internal|fileprivate|private)\s+)?(?:{_ATTRIBUTE})*"
    r"import\s+(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?([A-Za-z_]\w*)"
)


def dump_package():
    swift = os.environ.get("SWIFT", "swift")
    with tempfile.TemporaryDirectory(prefix="check-imports-") as scratch:
        try:
            result = subprocess.run(
                [swift, "package", "--package-path", str(ROOT), "--scratch-path", scratch, "dump-package"],
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
        except OSError as error:
            sys.exit(f"check-imports: cannot run {swift}: {error}")
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        print("check-imports: `swift package dump-package` failed", file=sys.stderr)
        sys.exit(2)
    return json.loads(result.stdout)


def declared_modules(target):
    """The modules a target may import, from its `dependencies` in the dumped manifest."""
    modules = set()
    for dependency in target.get("dependencies", []):
        if "byName" in dependency:  # ["Name", condition]: a target or a product of this name
            modules.add(dependency["byName"][0])
        elif "target" in dependency:  # ["Name", condition]
            modules.add(dependency["target"][0])
        elif "product" in dependency:  # ["Name", "package", moduleAliases, condition]
            name, _package, aliases, *_ = dependency["product"] + [None, None]
            modules.add(name)
            # `moduleAliases: ["Original": "Alias"]` renames a product's modules for this target.
            modules.update((aliases or {}).values())
        else:
            sys.exit(f"check-imports: target {target['name']}: unknown dependency kind {dependency}")
    return modules


def target_directory(target):
    if target.get("path"):
        return ROOT / target["path"]
    folder = {"test": "Tests", "plugin": "Plugins"}.get(target["type"], "Sources")
    return ROOT / folder / target["name"]


def swift_files(target):
    directory = target_directory(target)
    if not directory.is_dir():
        return []
    excluded = [(directory / path).resolve() for path in target.get("exclude", [])]
    if target.get("sources") is not None:
        roots = [directory / path for path in target["sources"]]
    else:
        roots = [directory]
    files = set()
    for root in roots:
        candidates = [root] if root.is_file() else root.rglob("*.swift")
        for file in candidates:
            if file.suffix != ".swift" or not file.is_file():
                continue
            resolved = file.resolve()
            if any(resolved == path or path in resolved.parents for path in excluded):
                continue
            files.add(file)
    return sorted(files)


_RAW_STRING_START = re.compile(r'#+"')


def code_lines(text):
    """The source with comments and string literals blanked out (line breaks kept), one entry a line.

    Enough of Swift's lexical grammar that text inside `/* */` comments and string literals (a
    multi-line string holding a Python script with `import os`, say) is not taken for an import.
    Interpolations are not followed; quotes inside them pair up, so the state comes out right.
    """
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    if text[i] == "\n":
                        out.append("\n")
                    i += 1
        elif c == '"' or (c == "#" and _RAW_STRING_START.match(text, i)):
            j = i
            while text[j] == "#":
                j += 1
            hashes = j - i
            multiline = text.startswith('"""', j)
            j += 3 if multiline else 1
            terminator = ('"""' if multiline else '"') + "#" * hashes
            escape = "\\" + "#" * hashes
            while j < n:
                if text.startswith(escape, j):
                    j += len(escape) + 1  # skip the escaped character
                elif text.startswith(terminator, j):
                    j += len(terminator)
                    break
                elif text[j] == "\n" and not multiline:
                    break  # unterminated single-line string: stop at the end of the line
                else:
                    if text[j] == "\n":
                        out.append("\n")
                    j += 1
            i = j
            out.append('""')
        else:
            out.append(c)
            i += 1
    return "".join(out).split("\n")


def main():
    manifest = dump_package()
    targets = manifest["targets"]
    problems = []
    files_checked = 0
    targets_checked = 0
    for target in targets:
        if target["type"] in UNSCANNED_TYPES:
            continue
        name = target["name"]
        allowed = declared_modules(target) | ALWAYS_AVAILABLE | {name}
        files = swift_files(target)
        if not files:
            continue
        targets_checked += 1
        for file in files:
            files_checked += 1
            text = file.read_text(encoding="utf-8", errors="replace")
            for number, line in enumerate(code_lines(text), start=1):
                match = IMPORT.match(line)
                if match and match.group(1) not in allowed:
                    problems.append(
                        f"{file.relative_to(ROOT)}:{number}: target {name} imports {match.group(1)}, "
                        f"which {name} does not declare in Package.swift"
                    )
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"imports: {len(problems)} undeclared import(s); add the target or "
            '`.product(name:package:)` dependency to the target in Package.swift',
            file=sys.stderr,
        )
        return 1
    print(f"imports: {targets_checked} targets, {files_checked} files checked, all declared")
    return 0


if __name__ == "__main__":
    sys.exit(main())
