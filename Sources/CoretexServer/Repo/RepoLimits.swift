import Foundation

/// Bounds on what a repository review may read and run, from the environment.
struct RepoLimits: Sendable {
    /// Total bytes of the files kept for review (`REPO_MAX_BYTES`, 50 MiB).
    var maxRepoBytes = 50 << 20
    /// Larger files are skipped with a note (`REPO_MAX_FILE_BYTES`, 1 MiB).
    var maxFileBytes = 1 << 20
    /// Directories under which `local_path` and `file://` sources may be read
    /// (`REPO_LOCAL_ROOTS`, colon-separated). Empty: none, so an API key cannot make a worker
    /// read arbitrary directories of its host. `coretex-server dev` allows $HOME and the temp dir.
    var localRoots: [String] = []
    /// `git clone` time limit in seconds (`REPO_CLONE_TIMEOUT_SECONDS`, 120).
    var cloneTimeout = 120
    /// Test commands a review may run, exactly as written (`REPO_TEST_ALLOWLIST`, `;`-separated).
    var testAllowlist = [
        "go test ./...", "python3 -m pytest", "python3 -m pytest -q", "python3 -m unittest", "pytest", "npm test",
        "make test", "cargo test", "swift test", "sh test.sh", "./test.sh",
    ]

    static func from(_ env: [String: String]) -> RepoLimits {
        var l = RepoLimits()
        if let v = env["REPO_MAX_BYTES"].flatMap(Int.init), v > 0 { l.maxRepoBytes = v }
        if let v = env["REPO_MAX_FILE_BYTES"].flatMap(Int.init), v > 0 { l.maxFileBytes = v }
        if let v = env["REPO_CLONE_TIMEOUT_SECONDS"].flatMap(Int.init), v > 0 { l.cloneTimeout = v }
        l.localRoots = (env["REPO_LOCAL_ROOTS"] ?? "").split(separator: ":").map { String($0) }.filter { !$0.isEmpty }
        if let list = env["REPO_TEST_ALLOWLIST"], !list.isEmpty {
            l.testAllowlist = list.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return l
    }

    /// Whether `path` (absolute, symlinks resolved) lies under one of the allowed roots.
    func allowsLocal(_ path: String) -> Bool {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
        return localRoots.contains { root in
            let r = URL(fileURLWithPath: root).resolvingSymlinksInPath().standardizedFileURL.path
            return resolved == r || resolved.hasPrefix(r.hasSuffix("/") ? r : r + "/")
        }
    }
}
