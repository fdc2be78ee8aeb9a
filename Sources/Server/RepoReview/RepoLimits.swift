import CoretexCore
import Foundation

/// Bounds on what a repository review may read and run, from the environment.
package struct RepoLimits: Sendable {
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

    init() {}

    package init(_ settings: Settings) {
        maxRepoBytes = settings.repoMaxBytes
        maxFileBytes = settings.repoMaxFileBytes
        cloneTimeout = settings.repoCloneTimeoutSeconds
        localRoots = settings.repoLocalRoots ?? []
        if let list = settings.repoTestAllowlist { testAllowlist = list }
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
