/// `POST /api/v1/jobs` request body. Every field is optional except `prompt`.
public struct SubmitJobRequest: Codable, Sendable, Equatable {
    public var prompt: String?
    public var topic: String?
    public var adapterID: String?
    public var priority: String?
    public var context: JSONValue?
    public var memoryID: String?
    public var contextMode: String?
    public var orgID: String?
    public var tenantID: String?
    public var teamID: String?
    public var projectID: String?
    public var principalID: String?
    public var labels: [String: String]?
    public var maxInputTokens: Int32?
    public var maxOutputTokens: Int64?
    public var maxTotalTokens: Int64?
    public var deadlineMs: Int64?
    public var allowSummarization: Bool?
    public var allowRetrieval: Bool?
    public var tags: [String]?

    public init(prompt: String? = nil, topic: String? = nil) {
        self.prompt = prompt
        self.topic = topic
    }

    enum CodingKeys: String, CodingKey {
        case prompt, topic, priority, context, labels, tags
        case adapterID = "adapter_id", memoryID = "memory_id", contextMode = "context_mode"
        case orgID = "org_id", tenantID = "tenant_id", teamID = "team_id", projectID = "project_id"
        case principalID = "principal_id", maxInputTokens = "max_input_tokens"
        case maxOutputTokens = "max_output_tokens", maxTotalTokens = "max_total_tokens"
        case deadlineMs = "deadline_ms", allowSummarization = "allow_summarization"
        case allowRetrieval = "allow_retrieval"
    }
}

/// `POST /api/v1/jobs` response.
public struct SubmitJobResponse: Codable, Sendable, Equatable {
    public var jobID: String
    public var traceID: String

    public init(jobID: String, traceID: String) {
        self.jobID = jobID
        self.traceID = traceID
    }

    enum CodingKeys: String, CodingKey { case jobID = "job_id", traceID = "trace_id" }
}

/// A job as listed by `GET /api/v1/jobs` and `GET /api/v1/traces/{id}`. Optional fields are
/// omitted when empty.
public struct JobRecord: Codable, Sendable, Equatable {
    public var id: String
    public var traceID: String?
    public var updatedAt: Int
    public var state: String
    public var topic: String?
    public var tenant: String?
    public var team: String?
    public var principal: String?
    public var safetyDecision: String?
    public var safetyReason: String?
    public var deadlineUnix: Int?
    public var workerID: String?
    public var createdAt: Int?
    /// The job's labels (an extension: lets clients filter and show workflow bookkeeping).
    public var labels: [String: String]?
    /// The orchestrator job that submitted this one (an extension: draws fan-out in traces).
    public var parentJobID: String?

    public init(id: String, updatedAt: Int, state: String) {
        self.id = id
        self.updatedAt = updatedAt
        self.state = state
    }

    enum CodingKeys: String, CodingKey {
        case id, state, topic, tenant, team, principal, labels
        case traceID = "trace_id", updatedAt = "updated_at", safetyDecision = "safety_decision"
        case safetyReason = "safety_reason", deadlineUnix = "deadline_unix", workerID = "worker_id"
        case createdAt = "created_at", parentJobID = "parent_job_id"
    }
}

/// `GET /api/v1/jobs` response. `next_cursor` is null on the last page; pass it back as
/// `cursor` to get the next one.
public struct JobList: Codable, Sendable, Equatable {
    public var items: [JobRecord]
    public var nextCursor: Int64?

    public init(items: [JobRecord], nextCursor: Int64?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    enum CodingKeys: String, CodingKey { case items, nextCursor = "next_cursor" }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(nextCursor, forKey: .nextCursor)  // explicit null, as clients expect the key
    }
}

/// One entry of a job's state history (`job:events:<id>`).
public struct JobEvent: Codable, Sendable, Equatable {
    public var at: Int
    public var state: String

    public init(at: Int, state: String) {
        self.at = at
        self.state = state
    }
}

/// `GET /api/v1/jobs/{id}`: everything known about one job.
///
/// The fields from `id` to `safety_reason` come first and are always present (missing strings
/// are "", missing blobs null), so clients can rely on them; the rest, from `error_message` on,
/// is the further meta and history the store keeps about the job.
public struct JobDetail: Codable, Sendable, Equatable {
    public var id: String
    public var state: String
    public var traceID: String
    public var contextPtr: String
    public var context: JSONValue?
    public var resultPtr: String
    public var result: JSONValue?
    public var topic: String
    public var tenant: String
    public var safetyDecision: String
    public var safetyReason: String
    public var errorMessage: String?
    public var errorStatus: String?
    public var team: String?
    public var principal: String?
    public var memoryID: String?
    public var labels: [String: String]?
    public var workerID: String?
    public var updatedAt: Int?
    public var deadlineUnix: Int?
    public var parentJobID: String?
    public var events: [JobEvent]

    public init(id: String, state: String) {
        self.id = id
        self.state = state
        self.traceID = ""
        self.contextPtr = "redis://ctx:\(id)"
        self.resultPtr = ""
        self.topic = ""
        self.tenant = ""
        self.safetyDecision = ""
        self.safetyReason = ""
        self.events = []
    }

    enum CodingKeys: String, CodingKey {
        case id, state, context, result, topic, tenant, team, principal, labels, events
        case traceID = "trace_id", contextPtr = "context_ptr", resultPtr = "result_ptr"
        case safetyDecision = "safety_decision", safetyReason = "safety_reason"
        case errorMessage = "error_message", errorStatus = "error_status", memoryID = "memory_id"
        case workerID = "worker_id", updatedAt = "updated_at", deadlineUnix = "deadline_unix"
        case parentJobID = "parent_job_id"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(state, forKey: .state)
        try c.encode(traceID, forKey: .traceID)
        try c.encode(contextPtr, forKey: .contextPtr)
        try c.encode(context ?? .null, forKey: .context)
        try c.encode(resultPtr, forKey: .resultPtr)
        try c.encode(result ?? .null, forKey: .result)
        try c.encode(topic, forKey: .topic)
        try c.encode(tenant, forKey: .tenant)
        try c.encode(safetyDecision, forKey: .safetyDecision)
        try c.encode(safetyReason, forKey: .safetyReason)
        try c.encodeIfPresent(errorMessage, forKey: .errorMessage)
        try c.encodeIfPresent(errorStatus, forKey: .errorStatus)
        try c.encodeIfPresent(team, forKey: .team)
        try c.encodeIfPresent(principal, forKey: .principal)
        try c.encodeIfPresent(memoryID, forKey: .memoryID)
        try c.encodeIfPresent(labels, forKey: .labels)
        try c.encodeIfPresent(workerID, forKey: .workerID)
        try c.encodeIfPresent(updatedAt, forKey: .updatedAt)
        try c.encodeIfPresent(deadlineUnix, forKey: .deadlineUnix)
        try c.encodeIfPresent(parentJobID, forKey: .parentJobID)
        try c.encode(events, forKey: .events)
    }
}

/// `POST /api/v1/jobs/{id}/cancel` response.
public struct CancelJobResponse: Codable, Sendable, Equatable {
    public var id: String
    public var state: String
    public var reason: String?

    public init(id: String, state: String, reason: String? = nil) {
        self.id = id
        self.state = state
        self.reason = reason
    }
}
