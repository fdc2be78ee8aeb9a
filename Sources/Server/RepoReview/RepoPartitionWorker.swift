import CoretexCore
import CoretexWorkers
import Foundation

/// `job.repo.partition`: splits the scanned files into review batches, riskiest first
/// (docs/repo-review.md, "job.repo.partition"); pure data, no repository access.
public struct RepoPartitionWorker: JobHandler {
    public init() {}

    struct Input: Decodable {
        var files: [RepoFile]
        var max_files: Int?
        var batch_size: Int?
        var max_batches: Int?
        var priority_files: [String]?
        var include_only: [String]?
    }

    public func handle(_ job: JobInput) async throws -> Data {
        let input = try RepoInput.decode(Input.self, from: job)
        let plan = Partition.plan(
            input.files, maxFiles: input.max_files ?? 0, batchSize: input.batch_size ?? 0, maxBatches: input.max_batches ?? 0,
            priority: input.priority_files ?? [], includeOnly: input.include_only ?? [])
        return try JSONEncoder.sorted.encode(plan)
    }
}
