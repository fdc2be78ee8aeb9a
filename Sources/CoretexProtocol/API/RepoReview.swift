/// `POST /api/v1/repo-review` body (docs/repo-review.md): one of `repo_url` / `local_path`,
/// optional branch, globs, limits and tests. Limits must be ≥ 0 (0 = the worker's default).
public struct RepoReviewRequest: Codable, Sendable, Equatable {
    public var repoURL: String?
    public var branch: String?
    public var localPath: String?
    public var includeGlobs: [String]?
    public var excludeGlobs: [String]?
    public var maxFiles: Int?
    public var batchSize: Int?
    public var maxBatches: Int?
    public var runTests: Bool?
    public var testCommand: String?
    public var priority: String?
    public var memoryID: String?

    public init(repoURL: String? = nil, localPath: String? = nil) {
        self.repoURL = repoURL
        self.localPath = localPath
    }

    enum CodingKeys: String, CodingKey {
        case branch, priority
        case repoURL = "repo_url", localPath = "local_path", includeGlobs = "include_globs", excludeGlobs = "exclude_globs"
        case maxFiles = "max_files", batchSize = "batch_size", maxBatches = "max_batches", runTests = "run_tests"
        case testCommand = "test_command", memoryID = "memory_id"
    }
}
