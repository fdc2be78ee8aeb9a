/// A dead-letter entry (`dlq:entry:<job_id>`): a job that ended without success.
public struct DLQEntry: Codable, Sendable, Equatable {
    public var jobID: String
    public var topic: String?
    public var status: String?
    public var reason: String?
    /// RFC 3339 with fractional seconds, UTC.
    public var createdAt: String

    public init(jobID: String, topic: String?, status: String?, reason: String?, createdAt: String) {
        self.jobID = jobID
        self.topic = topic
        self.status = status
        self.reason = reason
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case topic, status, reason
        case jobID = "job_id", createdAt = "created_at"
    }
}

/// `POST /api/v1/dlq/{job_id}/retry` response: the id of the new job.
public struct DLQRetryResponse: Codable, Sendable, Equatable {
    public var jobID: String
    public init(jobID: String) { self.jobID = jobID }
    enum CodingKeys: String, CodingKey { case jobID = "job_id" }
}
