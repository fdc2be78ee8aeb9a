/// Chooses the worker a job goes to: the least-loaded live worker of the job's pool.
///
/// Pure function of its inputs so it can be tested exhaustively; the scheduler feeds it the
/// registry snapshot and decides what to do when there is no winner (wait, bounded).
public struct Placement: Sendable {
    /// Label keys that are bookkeeping or routing hints, never placement constraints. The DLQ
    /// retry labels belong here too: as constraints no worker would match them, and every
    /// retry would fail.
    public static let nonConstraintLabels: Set<String> = [
        "preferred_pool", "preferred_worker_id",
        "workflow_id", "run_id", "step_id", "node_id", "worker_id",
        "retry", "dlq_entry", "retry_of_job",
    ]

    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case missingTopic
        case noPool(topic: String)
        case noWorkers(pool: String)
        case allOverloaded(pool: String)

        /// Fixed texts, which operators and scripts grep for; keep them stable.
        public var description: String {
            switch self {
            case .missingTopic: "missing topic"
            case .noPool(let topic): "no pool configured for topic \"\(topic)\""
            case .noWorkers(let pool): "no workers available for pool \"\(pool)\""
            case .allOverloaded(let pool): "all workers in pool \"\(pool)\" are overloaded"
            }
        }

        /// Whether waiting can help (a worker may appear or free up); a missing pool cannot.
        public var isTransient: Bool {
            switch self {
            case .noWorkers, .allOverloaded: true
            case .missingTopic, .noPool: false
            }
        }
    }

    public let pools: PoolRouting

    public init(pools: PoolRouting) { self.pools = pools }

    /// The pool a job belongs to: `labels.preferred_pool`, else the topic's pool.
    public func pool(topic: String, labels: [String: String]) -> Result<String, Failure> {
        if topic.isEmpty { return .failure(.missingTopic) }
        if let preferred = labels["preferred_pool"], !preferred.isEmpty { return .success(preferred) }
        guard let pool = pools.pool(for: topic) else { return .failure(.noPool(topic: topic)) }
        return .success(pool)
    }

    /// The worker id the job should be sent to.
    ///
    /// Candidates are live workers of the pool whose labels carry every constraint label of
    /// the job. A worker at capacity takes nothing; `preferred_worker_id` wins when it has room;
    /// otherwise the lowest score wins, cool workers before hot ones.
    public func choose(
        topic: String, labels: [String: String], workers: [WorkerSnapshot]
    ) -> Result<String, Failure> {
        let pool: String
        switch self.pool(topic: topic, labels: labels) {
        case .success(let p): pool = p
        case .failure(let f): return .failure(f)
        }
        let required = labels.filter { !Self.nonConstraintLabels.contains($0.key) }
        let candidates = workers.filter { worker in
            worker.pool == pool && !worker.workerID.isEmpty
                && required.allSatisfy { worker.labels[$0.key] == $0.value }
        }
        let withRoom = candidates.filter { !$0.isAtCapacity }
        if let preferred = labels["preferred_worker_id"],
            let worker = withRoom.first(where: { $0.workerID == preferred }), !worker.isHot
        {
            return .success(worker.workerID)
        }
        let cool = withRoom.filter { !$0.isHot }
        let pick = cool.isEmpty ? withRoom : cool
        // Ties go to the smallest id, so placement is deterministic and testable.
        let best = pick.min { a, b in
            if a.score != b.score { return a.score < b.score }
            return a.workerID < b.workerID
        }
        if let best { return .success(best.workerID) }
        return .failure(candidates.isEmpty ? .noWorkers(pool: pool) : .allOverloaded(pool: pool))
    }
}
