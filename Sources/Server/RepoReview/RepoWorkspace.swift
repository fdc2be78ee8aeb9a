import CoretexInfra
import Foundation

/// How repository files reach the workers that need them (SAST, lint, tests) when those run
/// on other hosts than the scan: the scan packs the kept files into a gzip tar stored in
/// Redis next to its result (`RepoArchives`, with the data TTL), and each
/// worker unpacks it into a private temporary directory that it deletes when done.
///
/// Redis rather than a shared directory because it is the one store every worker already
/// reaches; nothing needs a volume mounted everywhere. The price is a size limit
/// (`REPO_MAX_BYTES`, 50 MiB by default), which the scan enforces. A path to the
/// orchestrator's local temp dir would not do: other hosts cannot see it.
package struct RepoWorkspace: Sendable {
    let store: any JobRecords
    let archives: RepoArchives

    package init(store: any JobRecords, redis: RedisClient) {
        self.store = store
        self.archives = RepoArchives(redis: redis)
    }

    /// Packs `files` (relative paths under `root`) and stores the archive; returns its pointer.
    func pack(root: String, files: [String], scanJob: String, ttl: Int) async throws -> String {
        let list = FileManager.default.temporaryDirectory.appendingPathComponent("coretex-files-\(UUID().uuidString)")
        let archive = list.appendingPathExtension("tgz")
        defer {
            try? FileManager.default.removeItem(at: list)
            try? FileManager.default.removeItem(at: archive)
        }
        try Data(files.joined(separator: "\0").utf8).write(to: list)
        let tar = try await Subprocess(
            executable: "tar", arguments: ["-czf", archive.path, "-C", root, "--no-recursion", "--null", "-T", list.path],
            timeoutSeconds: 300
        ).run()
        guard tar.status == 0 else { throw RepoError("could not pack the repository: \(tar.output.suffix(500))") }
        let bytes = try Data(contentsOf: archive)
        return try await archives.put(Array(bytes), scanJob: scanJob, ttl: ttl)
    }

    /// Unpacks the archive at `pointer` into a new directory, runs `body` with its path, and
    /// removes it afterwards. GNU tar refuses absolute names and `..` on extraction, and the
    /// archive holds regular files only, so nothing lands outside the directory.
    func withCheckout<T: Sendable>(_ pointer: String, _ body: (String) async throws -> T) async throws -> T {
        guard let bytes = try await store.blob(pointer: pointer), !bytes.isEmpty else {
            throw RepoError("repository archive \(pointer) is missing or expired")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("coretex-repo-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let archive = dir.appendingPathComponent(".coretex-archive.tgz")
        try Data(bytes).write(to: archive)
        let tar = try await Subprocess(
            executable: "tar", arguments: ["-xzf", archive.path, "-C", dir.path, "--no-same-owner", "--no-same-permissions"],
            timeoutSeconds: 300
        ).run()
        try? FileManager.default.removeItem(at: archive)
        guard tar.status == 0 else { throw RepoError("could not unpack the repository: \(tar.output.suffix(500))") }
        return try await body(dir.path)
    }
}

/// A repository step failed for a reason the operator can act on.
struct RepoError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
