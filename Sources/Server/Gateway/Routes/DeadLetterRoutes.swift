import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexRuntime
import Foundation
import Hummingbird
import HummingbirdWebSocket

extension Gateway {
    /// `GET /api/v1/dlq`, `DELETE /api/v1/dlq/{job_id}`, `POST /api/v1/dlq/{job_id}/retry`.
    func addDeadLetterRoutes(_ router: Router<BasicWebSocketRequestContext>) {
        router.get("/api/v1/dlq") { request, _ in
            let limit = request.uri.queryParameters.get("limit").flatMap { Int($0) }.map { min(max($0, 1), 1000) } ?? 100
            return JSONResponse(try await self.storeCall { try await self.store.deadLetters(limit: limit) })
        }

        router.delete("/api/v1/dlq/{job_id}") { _, context -> Response in
            let id = try context.parameters.require("job_id")
            guard try await self.storeCall({ try await self.store.deleteDeadLetter(id) }) else {
                throw APIFailure.notFound("dlq entry not found")
            }
            return Response(status: .noContent)
        }

        router.post("/api/v1/dlq/{job_id}/retry") { _, context in
            JSONResponse(try await self.retry(try context.parameters.require("job_id")))
        }
    }

    /// Resubmits a dead-lettered job as a new one (`<id>-retry-<8 hex>`) with the dead job's
    /// context, topic, tenant, team, principal, memory id and labels. The retry labels are
    /// bookkeeping, not placement constraints, so the retry is placed like the dead job
    /// (as constraints they would fail every retry).
    func retry(_ id: String) async throws -> DLQRetryResponse {
        guard let entry = try await storeCall({ try await self.store.deadLetter(id) }) else {
            throw APIFailure.notFound("dlq entry not found")
        }
        let meta = try await storeCall { try await self.store.meta(id) }
        guard let topic = [entry.topic, meta["topic"]].compactMap({ $0 }).first(where: { !$0.isEmpty }) else {
            throw APIFailure.badRequest("missing topic for retry", code: "missing_topic")
        }
        let context = try await storeCall { try await self.store.context(id) }
        var request = JobLifecycle.request(
            id: "\(id)-retry-\(UUID().uuidString.lowercased().prefix(8))", topic: topic,
            tenant: meta["tenant"] ?? settings.tenantID, hasContext: context != nil)
        request.principalID = meta["principal"] ?? ""
        request.memoryID = meta["memory_id"] ?? ""
        request.labels = meta["labels"].flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:]
        request.labels["retry"] = "true"
        request.labels["dlq_entry"] = id
        request.labels["retry_of_job"] = id
        request.env["team_id"] = meta["team"] ?? ""
        request.env["retry_of_job"] = id
        if !request.memoryID.isEmpty { request.env["memory_id"] = request.memoryID }
        _ = try await enqueue(request, traceID: "dlq-retry-\(id)", context: context, sender: Self.sender)
        _ = try? await store.deleteDeadLetter(id)
        return DLQRetryResponse(jobID: request.jobID)
    }
}
