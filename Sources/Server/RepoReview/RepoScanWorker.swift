import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexWorkers
import Foundation

/// `job.repo.scan`: clones a repository (depth 1), indexes the files the globs keep, and
/// packs them for the other repository workers (docs/repo-review.md, "job.repo.scan").
///
/// The index comes from `git ls-files`, so only tracked files count and each has its git blob
/// id as hash. Binary files, files over `REPO_MAX_FILE_BYTES`, submodules and symlinks are
/// skipped with a note (symlinks are never followed: one pointing outside the repository
/// could leak the host's files). The clone is deleted when the scan ends.
public struct RepoScanWorker: JobHandler {
    let workspace: RepoWorkspace
    let limits: RepoLimits
    let archiveTTL: Int

    package init(workspace: RepoWorkspace, limits: RepoLimits, archiveTTL: Int) {
        self.workspace = workspace
        self.limits = limits
        self.archiveTTL = archiveTTL
    }

    struct Input: Decodable {
        var repo_url: String?
        var branch: String?
        var local_path: String?
        var include_globs: [String]?
        var exclude_globs: [String]?
        var max_files: Int?
    }

    public func handle(_ job: JobInput) async throws -> Data {
        let input = try RepoInput.decode(Input.self, from: job)
        let source = try RepoSource.resolve(url: input.repo_url, localPath: input.local_path, limits: limits)
        let filter = try FileFilter(
            include: input.include_globs.flatMap { $0.isEmpty ? nil : $0 } ?? FileFilter.defaultInclude,
            exclude: input.exclude_globs.flatMap { $0.isEmpty ? nil : $0 } ?? FileFilter.defaultExclude)
        let clone = FileManager.default.temporaryDirectory.appendingPathComponent("coretex-clone-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: clone) }

        var args = ["clone", "--depth", "1", "--single-branch", "--no-tags"]
        if let branch = input.branch, !branch.isEmpty { args += ["--branch", branch] }
        args += ["--", source.cloneURL, clone]
        let cloned = try await git(args, in: nil, timeout: limits.cloneTimeout)
        guard cloned.status == 0 else {
            throw RepoError(
                cloned.timedOut
                    ? "git clone timed out after \(limits.cloneTimeout)s"
                    : "git clone failed: \(Self.lastLines(cloned.output))")
        }
        let head = try await git(["rev-parse", "HEAD"], in: clone)
        guard head.status == 0 else { throw RepoError("the repository is empty (no commits)") }
        let branch = try await git(["rev-parse", "--abbrev-ref", "HEAD"], in: clone).output.trimmingCharacters(in: .whitespacesAndNewlines)

        let (files, notes, tracked) = try await index(clone, filter: filter, maxFiles: input.max_files ?? 0)
        guard !files.isEmpty else {
            throw RepoError(
                tracked == 0
                    ? "the repository has no files"
                    : "no file to review: the \(tracked) tracked files are all excluded or skipped (\(notes.prefix(3).joined(separator: "; ")))"
            )
        }
        let archive = try await workspace.pack(root: clone, files: files.map(\.path), scanJob: job.id, ttl: archiveTTL)

        struct Result: Encodable {
            var repository: String
            var branch: String
            var commit: String
            var files: [RepoFile]
            var archive_ptr: String
            var notes: [String]
        }
        return try JSONEncoder.sorted.encode(
            Result(
                repository: [input.repo_url, input.local_path].compactMap { $0 }.first { !$0.isEmpty } ?? "", branch: branch,
                commit: head.output.trimmingCharacters(in: .whitespacesAndNewlines), files: files, archive_ptr: archive, notes: notes))
    }

    /// The tracked files the filter keeps, within the size limits; notes say what was skipped.
    private func index(_ root: String, filter: FileFilter, maxFiles: Int) async throws -> ([RepoFile], [String], Int) {
        let listed = try await git(["ls-files", "-s", "-z"], in: root)
        guard listed.status == 0 else { throw RepoError("git ls-files failed: \(Self.lastLines(listed.output))") }
        var files: [RepoFile] = []
        var notes: [String] = []
        var total = 0
        let entries = listed.output.split(separator: "\0")
        for entry in entries {
            // "<mode> <blob> <stage>\t<path>"
            guard let tab = entry.firstIndex(of: "\t") else { continue }
            let meta = entry[..<tab].split(separator: " ")
            let path = String(entry[entry.index(after: tab)...])
            guard meta.count == 3 else { continue }
            switch meta[0] {
            case "160000":
                notes.append("\(path): submodule, skipped")
                continue
            case "120000":
                notes.append("\(path): symlink\(Self.pointsOutside(root, path) ? " pointing outside the repository" : ""), skipped")
                continue
            default: break
            }
            guard filter.accepts(path) else { continue }
            let full = root + "/" + path
            let size = (try? FileManager.default.attributesOfItem(atPath: full)[.size] as? Int) ?? 0
            if size > limits.maxFileBytes {
                notes.append("\(path): \(size) bytes, over the \(limits.maxFileBytes)-byte limit, skipped")
                continue
            }
            guard let data = FileManager.default.contents(atPath: full) else { continue }
            if data.prefix(8192).contains(0) {
                notes.append("\(path): binary, skipped")
                continue
            }
            if maxFiles > 0, files.count >= maxFiles {
                notes.append("file limit \(maxFiles) reached: later files not reviewed")
                break
            }
            total += size
            guard total <= limits.maxRepoBytes else {
                throw RepoError("the repository is larger than the configured limit (REPO_MAX_BYTES=\(limits.maxRepoBytes) bytes)")
            }
            let newlines = data.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            let loc = newlines + (data.last.map { $0 == UInt8(ascii: "\n") ? 0 : 1 } ?? 0)
            files.append(RepoFile(path: path, language: Language.of(path: path), bytes: size, loc: loc, hash: String(meta[1])))
        }
        return (files, notes, entries.count)
    }

    private func git(_ args: [String], in directory: String?, timeout: Int = 60) async throws -> Subprocess.Outcome {
        var env = ProcessInfo.processInfo.environment
        env["GIT_TERMINAL_PROMPT"] = "0"  // never wait for a password
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes -o ConnectTimeout=15"
        env["GIT_ALLOW_PROTOCOL"] = "file:git:http:https:ssh"
        return try await Subprocess(
            executable: "git", arguments: args, directory: directory, environment: env,
            timeoutSeconds: timeout
        ).run()
    }

    static func pointsOutside(_ root: String, _ path: String) -> Bool {
        let full = URL(fileURLWithPath: root + "/" + path)
        let target = full.resolvingSymlinksInPath().standardizedFileURL.path
        let base = URL(fileURLWithPath: root).resolvingSymlinksInPath().standardizedFileURL.path
        return !(target == base || target.hasPrefix(base + "/"))
    }

    /// The end of a tool's output, where git says what went wrong.
    static func lastLines(_ text: String) -> String {
        text.split(separator: "\n").suffix(2).joined(separator: " ").trimmingCharacters(in: .whitespaces)
    }
}

/// Decoding a repository worker's input from its context.
enum RepoInput {
    static func decode<T: Decodable>(_ type: T.Type, from job: JobInput) throws -> T {
        guard let data = job.context, !data.isEmpty else { throw RepoError("the job has no input (ctx:\(job.id) is missing)") }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw RepoError("invalid input for \(job.request.topic): \(error)")
        }
    }
}
