import CoretexCore
import Testing

@Suite struct PlacementTests {
    let placement = Placement(pools: PoolRouting(topics: ["job.echo": "echo", "job.chat.simple": "chat-simple"]))

    func worker(
        _ id: String, pool: String = "echo", active: Int = 0, max: Int = 4, cpu: Double = 0,
        labels: [String: String] = [:]
    ) -> WorkerSnapshot {
        WorkerSnapshot(workerID: id, pool: pool, activeJobs: active, maxParallelJobs: max, cpuLoad: cpu, labels: labels)
    }

    @Test func leastLoadedWorkerOfThePoolWins() {
        let workers = [worker("w1", active: 2), worker("w2", active: 1), worker("w3", pool: "chat-simple")]
        #expect(placement.choose(topic: "job.echo", labels: [:], workers: workers) == .success("w2"))
    }

    @Test func loadBreaksTiesAndThenTheIdDoes() {
        #expect(
            placement.choose(topic: "job.echo", labels: [:], workers: [worker("w2", cpu: 10), worker("w1", cpu: 20)])
                == .success("w2"))
        #expect(placement.choose(topic: "job.echo", labels: [:], workers: [worker("wb"), worker("wa")]) == .success("wa"))
    }

    @Test func unmappedTopicAndMissingTopicAreErrors() {
        #expect(placement.choose(topic: "job.nope", labels: [:], workers: [worker("w1")]) == .failure(.noPool(topic: "job.nope")))
        #expect(placement.choose(topic: "", labels: [:], workers: []) == .failure(.missingTopic))
        #expect("\(Placement.Failure.noPool(topic: "job.nope"))" == "no pool configured for topic \"job.nope\"")
    }

    @Test func noWorkersAndFullWorkersAreDistinctAndTransient() {
        let none = placement.choose(topic: "job.echo", labels: [:], workers: [])
        #expect(none == .failure(.noWorkers(pool: "echo")))
        #expect("\(Placement.Failure.noWorkers(pool: "echo"))" == "no workers available for pool \"echo\"")
        let full = placement.choose(topic: "job.echo", labels: [:], workers: [worker("w1", active: 1, max: 1)])
        #expect(full == .failure(.allOverloaded(pool: "echo")))
        #expect(Placement.Failure.noWorkers(pool: "echo").isTransient)
        #expect(Placement.Failure.allOverloaded(pool: "echo").isTransient)
        #expect(!Placement.Failure.noPool(topic: "x").isTransient)
    }

    @Test func anIdleWorkerWithOneSlotIsEligible() {
        #expect(placement.choose(topic: "job.echo", labels: [:], workers: [worker("w1", active: 0, max: 1)]) == .success("w1"))
    }

    @Test func bookkeepingLabelsNeverConstrain() {
        let labels = [
            "workflow_id": "wf", "run_id": "r", "step_id": "s", "node_id": "n", "worker_id": "x",
            "retry": "true", "dlq_entry": "j", "retry_of_job": "j",
        ]
        #expect(placement.choose(topic: "job.echo", labels: labels, workers: [worker("w1")]) == .success("w1"))
    }

    @Test func otherLabelsAreHardConstraints() {
        let workers = [worker("w1"), worker("w2", active: 3, labels: ["gpu": "a100"])]
        #expect(placement.choose(topic: "job.echo", labels: ["gpu": "a100"], workers: workers) == .success("w2"))
        #expect(placement.choose(topic: "job.echo", labels: ["gpu": "h100"], workers: workers) == .failure(.noWorkers(pool: "echo")))
    }

    @Test func preferredWorkerAndPreferredPoolAreHonoured() {
        let workers = [worker("w1"), worker("w2", active: 2), worker("c1", pool: "chat-simple")]
        #expect(placement.choose(topic: "job.echo", labels: ["preferred_worker_id": "w2"], workers: workers) == .success("w2"))
        #expect(placement.choose(topic: "job.echo", labels: ["preferred_pool": "chat-simple"], workers: workers) == .success("c1"))
        // A preferred worker at capacity is skipped, not waited for.
        let full = [worker("w1"), worker("w2", active: 4, max: 4)]
        #expect(placement.choose(topic: "job.echo", labels: ["preferred_worker_id": "w2"], workers: full) == .success("w1"))
    }

    @Test func hotWorkersAreUsedOnlyWhenNoCoolOneHasRoom() {
        #expect(
            placement.choose(topic: "job.echo", labels: [:], workers: [worker("w1", cpu: 95), worker("w2", active: 3)])
                == .success("w2"))
        #expect(placement.choose(topic: "job.echo", labels: [:], workers: [worker("w1", cpu: 95)]) == .success("w1"))
    }

    @Test func capacityIsNinetyPercentOfTheAdvertisedSlots() {
        #expect(worker("w", active: 9, max: 10).isAtCapacity)
        #expect(!worker("w", active: 8, max: 10).isAtCapacity)
        #expect(!worker("w", active: 100, max: 0).isAtCapacity)  // no capacity advertised: never full
    }
}
