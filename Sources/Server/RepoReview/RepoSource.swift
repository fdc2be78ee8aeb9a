import Foundation

/// Where a repository comes from, checked before anything runs: a remote URL (https, http,
/// ssh, git, or scp-like `user@host:path`), or a local repository (`file://` URL or a path)
/// under the allowed roots. Other git transports are refused — `ext::` runs commands.
enum RepoSource: Equatable {
    case remote(String)
    case local(String)

    /// What `git clone` is given.
    var cloneURL: String {
        switch self {
        case .remote(let url): url
        case .local(let path): "file://" + path
        }
    }

    static func resolve(url: String?, localPath: String?, limits: RepoLimits) throws -> RepoSource {
        let url = url?.trimmingCharacters(in: .whitespaces) ?? ""
        let path = localPath?.trimmingCharacters(in: .whitespaces) ?? ""
        guard url.isEmpty != path.isEmpty else { throw RepoError("give exactly one of repo_url and local_path") }
        if !path.isEmpty { return try local(path, limits) }
        if url.hasPrefix("-") { throw RepoError("invalid repository URL \"\(url)\"") }
        if url.hasPrefix("file://") { return try local(String(url.dropFirst("file://".count)), limits) }
        let schemes = ["https://", "http://", "ssh://", "git://"]
        let scpLike = url.range(of: #"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^:]"#, options: .regularExpression) != nil
        guard schemes.contains(where: url.hasPrefix) || scpLike else {
            throw RepoError("unsupported repository URL \"\(url)\" (use https://, ssh://, git://, user@host:path or file://)")
        }
        return .remote(url)
    }

    private static func local(_ path: String, _ limits: RepoLimits) throws -> RepoSource {
        guard path.hasPrefix("/") else { throw RepoError("local_path must be absolute, got \"\(path)\"") }
        guard limits.allowsLocal(path) else {
            throw RepoError(
                "local repositories are only read under REPO_LOCAL_ROOTS (\(limits.localRoots.joined(separator: ":"))); \"\(path)\" is not")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RepoError("no directory at \(path)")
        }
        return .local(URL(fileURLWithPath: path).standardizedFileURL.path)
    }
}
