import CoretexCore
import CoretexProtocol
import Foundation

/// What the meta hash records about a job request (docs/protocol.md, "Redis layout"), shared by every
/// component that creates jobs so they all record the same fields.
package enum JobMeta {
    package static func fields(of request: Coretex_Agent_V1_JobRequest) -> [(String, String)] {
        var fields: [(String, String)] = [("topic", request.topic)]
        let tenant = request.tenantID.isEmpty ? (request.env["tenant_id"] ?? "") : request.tenantID
        if !tenant.isEmpty { fields.append(("tenant", tenant)) }
        if let team = request.env["team_id"], !team.isEmpty { fields.append(("team", team)) }
        if !request.principalID.isEmpty { fields.append(("principal", request.principalID)) }
        if !request.memoryID.isEmpty { fields.append(("memory_id", request.memoryID)) }
        if !request.labels.isEmpty, let json = try? JSONEncoder.sorted.encode(request.labels) {
            fields.append(("labels", String(decoding: json, as: UTF8.self)))
        }
        if !request.parentJobID.isEmpty { fields.append(("parent_job_id", request.parentJobID)) }
        return fields
    }

    /// Tenant used for policy: the field, then `env.tenant_id`, then `default`.
    package static func tenant(of request: Coretex_Agent_V1_JobRequest) -> String {
        if !request.tenantID.isEmpty { return request.tenantID }
        if let t = request.env["tenant_id"], !t.isEmpty { return t }
        return "default"
    }

    /// Absolute deadline from `budget.deadline_ms`, if any.
    package static func deadline(of request: Coretex_Agent_V1_JobRequest, now: Date = Date()) -> Int? {
        guard request.budget.deadlineMs > 0 else { return nil }
        return Int(now.timeIntervalSince1970) + Int((request.budget.deadlineMs + 999) / 1000)
    }

    /// The result body of a job that did not succeed: what a worker writes for its own
    /// failure, and what `JobLifecycle` stores for a job that ended without one (no worker,
    /// timeout, cancel). `processedBy` names who ended it.
    package static func failureResult(
        jobID: String, status: Coretex_Agent_V1_JobStatus, message: String, processedBy: String
    ) -> String {
        struct Body: Encodable {
            struct Failure: Encodable { var message: String }
            var job_id: String
            var status: String
            var error: Failure
            var processed_by: String
            var completed_at: String
        }
        let body = Body(
            job_id: jobID, status: status.name, error: .init(message: message),
            processed_by: processedBy, completed_at: UnixTime.rfc3339(fractional: false))
        return String(decoding: (try? JSONEncoder.sorted.encode(body)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
