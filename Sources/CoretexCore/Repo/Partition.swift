/// One file of the checkout, as the scanner saw it.
public struct RepoFile: Codable, Sendable, Equatable {
    /// Relative to the checkout root, `/`-separated.
    public var path: String
    /// As named by `Language.of(path:)`.
    public var language: String
    public var bytes: Int
    /// Lines of code.
    public var loc: Int
    /// The git blob id of the contents (from `git ls-files -s`), when the scanner has it.
    public var hash: String?

    public init(path: String, language: String, bytes: Int, loc: Int, hash: String? = nil) {
        self.path = path
        self.language = language
        self.bytes = bytes
        self.loc = loc
        self.hash = hash
    }
}

/// Files reviewed together in one model call. The field names are the wire format.
public struct Batch: Codable, Sendable, Equatable {
    public var batch_id: String
    public var files: [String]

    public init(batch_id: String, files: [String]) {
        self.batch_id = batch_id
        self.files = files
    }
}

public struct PartitionPlan: Codable, Sendable, Equatable {
    public var batches: [Batch]
    /// Every file not placed in a batch, in rank order. Always an array (never null) so
    /// clients can show it without a nil check.
    public var skipped: [String]

    public init(batches: [Batch], skipped: [String]) {
        self.batches = batches
        self.skipped = skipped
    }
}

/// Splits a checkout into review batches, riskiest files first, so that when the limits cut
/// the list it is the least interesting files that are left out.
public enum Partition {
    public static let defaultMaxFiles = 500
    public static let defaultBatchSize = 50
    public static let defaultMaxBatches = 5

    /// Path fragments that mark code where a bug costs most.
    public static let riskWords = [
        "auth", "billing", "payment", "crypto", "security", "oauth", "token", "secret", "password",
    ]

    /// Ranks `files`, then fills batches in rank order.
    ///
    /// - Rank: the `priority` paths first, in the order given (paths not among `files` and
    ///   repeats are ignored); then everything else by `riskScore`, highest first, ties by path.
    ///   The order is total, so the same checkout always gives the same plan (an unstable
    ///   sort could shuffle equal files between runs).
    /// - A non-empty `includeOnly` keeps only the files with exactly those paths.
    /// - At most `maxFiles` files, in batches of `batchSize` (`batch-1`, `batch-2`, …), at most
    ///   `maxBatches` of them. A non-positive limit means its default (500, 50, 5).
    /// - Every file that didn't make it into a batch is listed in `skipped`, in rank order.
    ///
    /// Paths are expected to be unique within `files`.
    public static func plan(
        _ files: [RepoFile], maxFiles: Int, batchSize: Int, maxBatches: Int,
        priority: [String] = [], includeOnly: [String] = []
    ) -> PartitionPlan {
        let maxFiles = maxFiles > 0 ? maxFiles : defaultMaxFiles
        let batchSize = batchSize > 0 ? batchSize : defaultBatchSize
        let maxBatches = maxBatches > 0 ? maxBatches : defaultMaxBatches
        let capacity = min(maxFiles, batchSize * maxBatches)
        let only = Set(includeOnly)

        var chosen: [String] = []
        var skipped: [String] = []
        for file in rank(files, priority: priority) {
            if (only.isEmpty || only.contains(file.path)) && chosen.count < capacity {
                chosen.append(file.path)
            } else {
                skipped.append(file.path)
            }
        }

        let batches = stride(from: 0, to: chosen.count, by: batchSize).enumerated().map { number, start in
            Batch(batch_id: "batch-\(number + 1)", files: Array(chosen[start..<min(start + batchSize, chosen.count)]))
        }
        return PartitionPlan(batches: batches, skipped: skipped)
    }

    /// Bigger files hold more to review, and a risky path adds a flat 500 so that a small auth
    /// helper still beats a large but harmless file.
    public static func riskScore(_ file: RepoFile) -> Int {
        let path = file.path.lowercased()
        let risky = riskWords.contains { path.contains($0) }
        return file.bytes + 2 * file.loc + (risky ? 500 : 0)
    }

    private static func rank(_ files: [RepoFile], priority: [String]) -> [RepoFile] {
        let byScore = files.sorted { a, b in
            let (scoreA, scoreB) = (riskScore(a), riskScore(b))
            return scoreA != scoreB ? scoreA > scoreB : a.path < b.path
        }
        var prioritized = Set<String>()
        let wanted = priority.filter { prioritized.insert($0).inserted }
        let first = wanted.flatMap { path in byScore.filter { $0.path == path } }
        return first + byScore.filter { !prioritized.contains($0.path) }
    }
}
