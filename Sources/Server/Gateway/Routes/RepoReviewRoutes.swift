import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexRuntime
import Foundation
import Hummingbird
import HummingbirdWebSocket

extension Gateway {
    /// `POST /api/v1/repo-review`: one `job.workflow.repo.code_review` job (docs/repo-review.md).
    func addRepoReviewRoutes(_ router: Router<BasicWebSocketRequestContext>) {
        router.post("/api/v1/repo-review") { request, _ in
            let key = try self.idempotencyKey(request)
            let body = try await self.body(of: request)
            let (job, traceID, context) = try Self.repoReviewJob(
                try self.decode(RepoReviewRequest.self, from: body), tenant: self.settings.tenantID)
            let created = try await self.once(key: key, scope: "repo-review", fingerprint: body, id: job.jobID, traceID: traceID) {
                _ = try await self.enqueue(job, traceID: traceID, context: context, sender: "api-gateway-repo-review")
            }
            return JSONResponse(SubmitJobResponse(jobID: created.id, traceID: created.traceID))
        }
    }

    /// Validates the body and builds the job. The job has the same meta as
    /// any other (topic, tenant, memory) and its context keeps the caller's globs as given;
    /// the scan applies its defaults when they are empty.
    static func repoReviewJob(_ body: RepoReviewRequest, tenant: String, jobID: String = UUID().uuidString.lowercased())
        throws(APIFailure) -> (Coretex_Agent_V1_JobRequest, String, String)
    {
        let url = body.repoURL?.trimmingCharacters(in: .whitespaces) ?? ""
        let path = body.localPath?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !url.isEmpty || !path.isEmpty else { throw .badRequest("repo_url or local_path required", code: "missing_repo") }
        guard url.isEmpty || path.isEmpty else { throw .badRequest("give repo_url or local_path, not both", code: "ambiguous_repo") }
        guard [body.maxFiles, body.batchSize, body.maxBatches].allSatisfy({ ($0 ?? 0) >= 0 }) else {
            throw .badRequest("limits must be non-negative", code: "invalid_limits")
        }
        let priority = try JobSubmission.parsePriority(body.priority)
        if let memory = body.memoryID, !memory.isEmpty, !JobSubmission.isValidMemoryID(memory) {
            throw .badRequest("memory_id may only contain letters, digits and : _ . - (at most 128 characters)", code: "invalid_memory_id")
        }
        let topic = "job.workflow.repo.code_review"
        var r = JobLifecycle.request(id: jobID, topic: topic, tenant: tenant)
        r.priority = priority
        r.memoryID = body.memoryID.flatMap { $0.isEmpty ? nil : $0 } ?? TopicFamily.memoryID(topic: topic, jobID: jobID)
        r.env.merge(["memory_id": r.memoryID, "context_mode": "rag", "max_input_tokens": "12000", "max_output_tokens": "2048"]) {
            _, new in new
        }

        struct Context: Encodable {
            var repo_url: String
            var branch: String
            var local_path: String
            var include_globs: [String]
            var exclude_globs: [String]
            var max_files: Int
            var batch_size: Int
            var max_batches: Int
            var run_tests: Bool
            var test_command: String
            var created_at: String
            var tenant_id: String
        }
        let context = Context(
            repo_url: url, branch: body.branch ?? "", local_path: path, include_globs: body.includeGlobs ?? [],
            exclude_globs: body.excludeGlobs ?? [], max_files: body.maxFiles ?? 0, batch_size: body.batchSize ?? 0,
            max_batches: body.maxBatches ?? 0, run_tests: body.runTests ?? false, test_command: body.testCommand ?? "",
            created_at: UnixTime.rfc3339(fractional: false), tenant_id: tenant)
        let json = String(decoding: (try? JSONEncoder.sorted.encode(context)) ?? Data(), as: UTF8.self)
        return (r, UUID().uuidString.lowercased(), json)
    }
}
