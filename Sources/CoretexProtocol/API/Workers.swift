/// One live worker as `GET /api/v1/workers` shows it: the last heartbeat in snake_case with
/// zero values omitted, plus how old that heartbeat is.
public struct WorkerInfo: Codable, Sendable, Equatable {
    public var workerID: String
    public var region: String?
    public var type: String?
    public var cpuLoad: Float?
    public var gpuUtilization: Float?
    public var activeJobs: Int32?
    public var capabilities: [String]?
    public var pool: String?
    public var maxParallelJobs: Int32?
    public var labels: [String: String]?
    /// Unix seconds of the last heartbeat.
    public var lastSeen: Int
    /// Seconds since the last heartbeat.
    public var ageSeconds: Double

    public init(workerID: String, lastSeen: Int, ageSeconds: Double) {
        self.workerID = workerID
        self.lastSeen = lastSeen
        self.ageSeconds = ageSeconds
    }

    enum CodingKeys: String, CodingKey {
        case region, type, capabilities, pool, labels
        case workerID = "worker_id", cpuLoad = "cpu_load", gpuUtilization = "gpu_utilization"
        case activeJobs = "active_jobs", maxParallelJobs = "max_parallel_jobs"
        case lastSeen = "last_seen", ageSeconds = "age_seconds"
    }
}
