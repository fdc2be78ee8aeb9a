#!/usr/bin/env bash
# Format or lint the Swift sources with swift-format (config: .swift-format), skipping generated code.
#
#   scripts/format.sh format    rewrite the files in place
#   scripts/format.sh lint      report violations; exits non-zero if there are any (--strict)
#
# Extra arguments go to `swift format` (e.g. scripts/format.sh lint --color-diagnostics).
# Files: Package.swift and *.swift under Sources/ and Tests/, as listed by git (tracked plus untracked,
# not ignored) or by find outside a git work tree, minus Sources/CoretexProtocol/Generated/ (protoc output;
# swift-format's configuration has no exclude option, so the file list is built here).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

case "${1:-}" in
    format) shift; args=(format --in-place) ;;
    lint) shift; args=(lint --strict) ;;
    *) echo "usage: $0 format|lint [swift-format options]" >&2; exit 2 ;;
esac

SWIFT="${SWIFT:-swift}"
EXCLUDE='Sources/CoretexProtocol/Generated/'

list_files() {
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git ls-files -z --cached --others --exclude-standard -- 'Package.swift' 'Sources/*.swift' 'Tests/*.swift'
    else
        find Package.swift Sources Tests -name '*.swift' -type f -print0 2>/dev/null || true
    fi
}

files=()
while IFS= read -r -d '' f; do
    f="${f#./}"
    [[ "$f" == "$EXCLUDE"* ]] && continue
    [[ -f "$f" ]] && files+=("$f")   # skip files deleted in the work tree but still in the index
done < <(list_files | sort -z -u)

if ((${#files[@]} == 0)); then
    echo "$0: no Swift files found" >&2
    exit 0
fi

exec "$SWIFT" format "${args[@]}" --parallel --configuration .swift-format "$@" -- "${files[@]}"
