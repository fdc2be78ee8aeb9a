import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexRuntime
import Foundation

/// Turns a `POST /api/v1/jobs` body into a validated job: the JobRequest that goes on the bus,
/// the context stored at `ctx:<id>`, and the meta recorded with it (docs/http-api.md, "Jobs").
struct JobSubmission: Sendable {
    let request: Coretex_Agent_V1_JobRequest
    let traceID: String
    /// The JSON stored at `ctx:<job_id>`.
    let context: String

    static let maxPromptBytes = 100_000
    static let maxTags = 50
    static let maxLabels = 50

    /// Validates in a fixed order (first failure wins, with stable messages clients may match),
    /// including unknown priority, context mode, memory id characters and unrouteable topic.
    static func make(
        _ body: SubmitJobRequest, defaultTenant: String, pools: PoolRouting,
        jobID: String = UUID().uuidString.lowercased(), traceID: String = UUID().uuidString.lowercased(),
        now: Date = Date()
    ) throws(APIFailure) -> JobSubmission {
        let topic = (body.topic?.isEmpty ?? true) ? "job.chat.simple" : body.topic!
        let maxIn = body.maxInputTokens.flatMap { $0 == 0 ? nil : $0 } ?? 8000
        let maxOut = body.maxOutputTokens.flatMap { $0 == 0 ? nil : $0 } ?? 1024
        let maxTotal = body.maxTotalTokens ?? 0
        let deadline = body.deadlineMs ?? 0
        let org = [body.orgID, body.tenantID].compactMap { $0 }.first { !$0.isEmpty } ?? defaultTenant

        guard let prompt = body.prompt, !prompt.isEmpty else { throw .badRequest("prompt is required", code: "missing_prompt") }
        guard prompt.utf8.count <= maxPromptBytes else {
            throw .badRequest("prompt too long (>\(maxPromptBytes) bytes)", code: "prompt_too_long")
        }
        guard topic.hasPrefix("job."), topic.count > 4 else {
            throw .badRequest("topic must start with job.", code: "invalid_topic")
        }
        guard maxIn >= 0, maxOut >= 0, maxTotal >= 0 else {
            throw .badRequest("token limits must be non-negative", code: "invalid_tokens")
        }
        guard deadline >= 0 else { throw .badRequest("deadline_ms must be non-negative", code: "invalid_deadline") }
        guard (body.tags?.count ?? 0) <= maxTags else { throw .badRequest("too many tags (max 50)", code: "too_many_tags") }
        guard (body.labels?.count ?? 0) <= maxLabels else {
            throw .badRequest("too many labels (max 50)", code: "too_many_labels")
        }
        let priority = try parsePriority(body.priority)
        if let mode = body.contextMode, !mode.isEmpty, !["chat", "rag", "raw"].contains(mode.lowercased()) {
            throw .badRequest("context_mode must be chat, rag or raw", code: "invalid_context_mode")
        }
        if let memory = body.memoryID, !memory.isEmpty, !isValidMemoryID(memory) {
            throw .badRequest(
                "memory_id may only contain letters, digits and : _ . - (at most 128 characters)", code: "invalid_memory_id")
        }
        let pool = body.labels?["preferred_pool"].flatMap { $0.isEmpty ? nil : $0 } ?? pools.pool(for: topic)
        guard pool != nil else {
            throw .badRequest("no pool serves topic \"\(topic)\" (see pools.yaml)", code: "unknown_topic")
        }

        let memoryID = (body.memoryID?.isEmpty ?? true) ? TopicFamily.memoryID(topic: topic, jobID: jobID) : body.memoryID!
        var r = JobLifecycle.request(id: jobID, topic: topic, tenant: org)
        r.priority = priority
        r.adapterID = body.adapterID ?? ""
        r.memoryID = memoryID
        r.principalID = body.principalID ?? ""
        r.labels = body.labels ?? [:]
        if let team = body.teamID, !team.isEmpty { r.env["team_id"] = team }
        if let project = body.projectID, !project.isEmpty { r.env["project_id"] = project }
        r.env["memory_id"] = memoryID
        if let mode = body.contextMode, !mode.isEmpty { r.env["context_mode"] = mode }
        r.env["max_input_tokens"] = String(maxIn)
        r.env["max_output_tokens"] = String(maxOut)
        r.contextHints.maxInputTokens = maxIn
        r.contextHints.allowSummarization = body.allowSummarization ?? false
        r.contextHints.allowRetrieval = body.allowRetrieval ?? false
        r.contextHints.tags = body.tags ?? []
        r.budget.maxInputTokens = Int64(maxIn)
        r.budget.maxOutputTokens = maxOut
        r.budget.maxTotalTokens = maxTotal
        r.budget.deadlineMs = deadline

        let stored = StoredContext(
            prompt: prompt, adapter_id: body.adapterID ?? "", priority: body.priority ?? "", topic: topic,
            created_at: UnixTime.rfc3339(now, fractional: false), tenant_id: org,
            context: body.context == .null ? nil : body.context)
        return JobSubmission(request: r, traceID: traceID, context: stored.json)
    }

    /// What `ctx:<job_id>` holds.
    struct StoredContext: Encodable {
        var prompt: String
        var adapter_id: String
        var priority: String
        var topic: String
        var created_at: String
        var tenant_id: String
        var context: JSONValue?

        /// The JSON, keys sorted. Without a `context` member (most jobs) it is written by hand:
        /// the encoder was most of the cost of building a job.
        var json: String {
            guard context == nil else {
                return String(decoding: (try? JSONEncoder.sorted.encode(self)) ?? Data(), as: UTF8.self)
            }
            let q = JSONText.quoted
            return #"{"adapter_id":\#(q(adapter_id)),"created_at":\#(q(created_at)),"priority":\#(q(priority)),"#
                + #""prompt":\#(q(prompt)),"tenant_id":\#(q(tenant_id)),"topic":\#(q(topic))}"#
        }
    }

    static func parsePriority(_ text: String?) throws(APIFailure) -> Coretex_Agent_V1_JobPriority {
        switch (text ?? "").lowercased() {
        case "", "interactive": .interactive
        case "batch": .batch
        case "critical": .critical
        default: throw .badRequest("priority must be interactive, batch or critical", code: "invalid_priority")
        }
    }

    static func isValidMemoryID(_ id: String) -> Bool {
        id.count <= 128
            && id.unicodeScalars.allSatisfy { s in
                (s.properties.isASCIIHexDigit || ("a"..."z").contains(s) || ("A"..."Z").contains(s)
                    || ("0"..."9").contains(s) || ":_.-".unicodeScalars.contains(s))
            }
    }
}
