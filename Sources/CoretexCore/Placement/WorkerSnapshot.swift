/// What the scheduler knows about one live worker: its last heartbeat, plus the jobs it
/// dispatched there since (heartbeats are up to 5 s stale; without this, a burst between two
/// heartbeats would pile onto one worker).
public struct WorkerSnapshot: Sendable, Equatable {
    public var workerID: String
    public var pool: String
    public var activeJobs: Int
    public var maxParallelJobs: Int
    public var cpuLoad: Double
    public var gpuUtilization: Double
    public var labels: [String: String]

    public init(
        workerID: String, pool: String, activeJobs: Int = 0, maxParallelJobs: Int = 0,
        cpuLoad: Double = 0, gpuUtilization: Double = 0, labels: [String: String] = [:]
    ) {
        self.workerID = workerID
        self.pool = pool
        self.activeJobs = activeJobs
        self.maxParallelJobs = maxParallelJobs
        self.cpuLoad = cpuLoad
        self.gpuUtilization = gpuUtilization
        self.labels = labels
    }

    /// At ≥ 90 % of its advertised capacity: takes no more jobs.
    public var isAtCapacity: Bool {
        maxParallelJobs > 0 && Double(activeJobs) / Double(maxParallelJobs) >= 0.9
    }

    /// CPU or GPU ≥ 90 %. A hot worker is only used when no cooler one has room, not refused
    /// outright: on a small shared host (load average counts everyone's processes) refusing
    /// would stall every pool.
    public var isHot: Bool { cpuLoad >= 90 || gpuUtilization >= 90 }

    /// Lower is better: active jobs dominate, load breaks near-ties.
    public var score: Double { Double(activeJobs) + cpuLoad / 100 + gpuUtilization / 100 }
}
