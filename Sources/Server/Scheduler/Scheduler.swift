import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexRuntime
import CoretexSafety
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Turns submitted jobs into dispatched ones: safety check, pool routing, least-loaded
/// placement, dispatch on `worker.<id>.jobs`; records every state and handles results.
///
/// Replicas can run side by side: submits and results come through the `coretex-scheduler`
/// queue group (each handled once), heartbeats without it (every replica sees every worker).
public final class Scheduler: Service, Sendable {
    static let senderID = "coretex-scheduler"

    let bus: any MessageBus
    let store: any JobRecords
    let placement: Placement
    let timeouts: TimeoutConfig
    let safety: any SafetyChecking
    let registry: WorkerRegistry
    let waiting: WaitingRoom
    let logger: Logger
    /// Submissions handled concurrently, so a job waiting for a worker does not hold up the rest.
    let concurrency: Int
    /// How long to wait for the safety kernel at start (`SAFETY_KERNEL_WAIT_SECONDS`, 10 s).
    let safetyWait: Duration
    /// How many times a job runs at most when its workers are lost (`JOB_MAX_ATTEMPTS`, 3).
    let maxAttempts: Int

    let lifecycle: JobLifecycle

    /// The scheduler needs only the bus and the job store (unit tests give it in-memory ones).
    public convenience init(
        connections: Connections, pools: PoolRouting, timeouts: TimeoutConfig,
        safety: any SafetyChecking, logger: Logger, concurrency: Int = 256,
        safetyWait: Duration = .seconds(10), workerTTL: TimeInterval = 30, maxAttempts: Int = 3
    ) {
        self.init(
            bus: connections.bus, store: connections.store, pools: pools, timeouts: timeouts, safety: safety,
            logger: logger, concurrency: concurrency, safetyWait: safetyWait, workerTTL: workerTTL,
            maxAttempts: maxAttempts)
    }

    public init(
        bus: any MessageBus, store: any JobRecords, pools: PoolRouting, timeouts: TimeoutConfig,
        safety: any SafetyChecking, logger: Logger, concurrency: Int = 256, safetyWait: Duration = .seconds(10),
        workerTTL: TimeInterval = 30, maxAttempts: Int = 3
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.bus = bus
        self.store = store
        self.lifecycle = JobLifecycle(bus: bus, store: store, senderID: Self.senderID, logger: logger)
        self.registry = WorkerRegistry(ttl: workerTTL)
        self.placement = Placement(pools: pools)
        self.timeouts = timeouts
        self.safety = safety
        self.waiting = WaitingRoom(maxWait: TimeInterval(timeouts.placementWaitSeconds))
        self.logger = logger
        self.concurrency = concurrency
        self.safetyWait = safetyWait
    }

    public func run() async throws {
        // Submissions and results come from durable consumers (docs/durability.md): each is
        // acknowledged once its effect is recorded in Redis, and given back on a store error.
        let submits = try bus.deliveredPackets(.submissions, logger: logger)
        let results = try bus.deliveredPackets(.results, logger: logger)
        // Every replica's placement counts must hear of every result, not only of those its
        // queue group hands it; the job id is all it needs, read on the bus's thread.
        let allResults = try bus.observe(Subjects.result) { [registry] bytes in
            if let id = BusPacketPeek.jobResultID(bytes) { registry.finished(id) }
        }
        // Heartbeats are recorded on the bus's thread as they arrive: one queued behind slow
        // Redis work would make a healthy worker look lost. A worker with room nudges the
        // jobs waiting for one.
        let (nudges, nudge) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let heartbeats = try bus.observePackets(Subjects.heartbeat, logger: logger) { [registry, waiting] packet in
            guard case .heartbeat(let hb)? = packet.payload else { return }
            registry.record(hb)
            if waiting.count > 0 { nudge.yield() }
        }
        let cancels = try bus.packets(Subjects.cancel, queue: Subjects.schedulerQueue, logger: logger)
        // The server has the subscriptions once this returns, so "started" means jobs published
        // from now on reach this scheduler.
        try await bus.flush()
        // Without durable delivery, jobs submitted while no scheduler listened were dropped by
        // the bus; they start now, not at the reconciler's next scan (they queue behind the
        // safety kernel's start-up wait). With it, the stream kept them for this scheduler.
        let stranded =
            bus.isDurable
            ? 0 : await StrandedJobs(bus: bus, store: store, logger: logger).publishAgain(enteredBefore: UnixTime.now)
        if stranded > 0 {
            logger.info("jobs submitted while no scheduler listened published again", metadata: ["jobs": "\(stranded)"])
            Counter(label: "coretex_scheduler_stranded_resubmitted_total").increment(by: Int64(stranded))
        }
        logger.info("scheduler started", metadata: ["pools": "\(Set(placement.pools.topics.values).sorted())"])
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    // Jobs queue in the subscription meanwhile; after the wait, checks fail closed.
                    if await !self.safety.waitUntilReady(timeout: self.safetyWait) {
                        self.logger.warning("safety kernel not reachable: jobs wait until it answers")
                    }
                    await self.consume(submits, .submissions) { try await self.handleSubmit($0) }
                }
                group.addTask { await self.consume(results, .results) { try await self.handleResult($0) } }
                group.addTask { for await _ in nudges { await self.retryWaiting() } }
                group.addTask { for await (_, packet) in cancels { await self.handleCancel(packet) } }
                group.addTask { await self.tick() }
                group.addTask {
                    // Once every live worker has been heard from: take on what was dispatched
                    // before this scheduler started, so those jobs run again if their worker is gone.
                    if await pause(.seconds(self.registry.ttl)) { await self.adoptDispatches() }
                }
            }
        } onGracefulShutdown: {
            submits.subscription.unsubscribe()
            results.subscription.unsubscribe()
            allResults.unsubscribe()
            heartbeats.unsubscribe()
            nudge.finish()
            cancels.subscription.unsubscribe()
        }
    }

    /// Handles packets concurrently, at most `concurrency` at a time, and settles each
    /// delivery: acknowledged once handled, given back after a store error (1, 2, 5, 10 s
    /// later), and on its last delivery the job ends FAILED with the reason.
    private func consume(
        _ stream: DeliveredPackets, _ consumer: DurableConsumer,
        _ handle: @escaping @Sendable (Coretex_Agent_V1_BusPacket) async throws -> Void
    ) async {
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for await (packet, delivery) in stream {
                if running >= concurrency {
                    await group.next()
                    running -= 1
                }
                group.addTask {
                    guard let delivery else {
                        do { try await handle(packet) } catch { self.logger.error("store error", metadata: ["error": "\(error)"]) }
                        return
                    }
                    let failure: (any Error)?
                    do {
                        try await handle(packet)
                        failure = nil
                    } catch {
                        failure = error
                    }
                    await self.settle(delivery, of: packet, consumer, failure: failure)
                }
                running += 1
            }
        }
    }

    func settle(
        _ delivery: BusDelivery, of packet: Coretex_Agent_V1_BusPacket, _ consumer: DurableConsumer, failure: (any Error)?
    ) async {
        guard let failure else { return delivery.ack() }
        let id = packet.jobRequest.jobID.isEmpty ? packet.jobResult.jobID : packet.jobRequest.jobID
        guard delivery.number >= consumer.maxDeliver else {
            logger.warning(
                "store error: the message comes again", metadata: ["job": "\(id)", "delivery": "\(delivery.number)", "error": "\(failure)"])
            return delivery.nak(delay: consumer.backoff(afterDelivery: delivery.number))
        }
        // The last delivery of a submission: end the job rather than leave it to the reconciler's
        // timeouts (this may fail too, if the store is still away) — only while it is PENDING: a
        // copy of a job under way must not end it. A result that cannot be recorded is left to
        // the reconciler: ending its job FAILED could overwrite what the worker reported.
        let reason = "not handled after \(delivery.number) deliveries: \(failure)"
        if !id.isEmpty && consumer == .submissions {
            do {
                try await lifecycle.end(id, .deliveryExhausted(reason: reason), from: [.pending])
            } catch {
                logger.error("a message ran out of deliveries", metadata: ["job": "\(id)", "error": "\(error)"])
            }
        }
        Counter(label: "coretex_scheduler_deliveries_exhausted_total", dimensions: [("consumer", consumer.name)]).increment()
        delivery.term()
    }

    /// Once a second: expire jobs that waited too long, retry the rest, forget dead workers
    /// and end the jobs they took with them.
    private func tick() async {
        while await pause(.seconds(1)) {
            for lost in registry.sweep(busConnected: bus.isConnected) { await workerLost(lost) }
            if waiting.count > 0 { await retryWaiting() }
        }
    }

    // MARK: - submit

    /// Throws on a store error, so the delivery comes again; everything else is handled here.
    func handleSubmit(_ packet: Coretex_Agent_V1_BusPacket) async throws {
        guard case .jobRequest(let request)? = packet.payload else {
            logger.warning("ignored a packet without a job request on \(Subjects.submit)", metadata: ["trace": "\(packet.traceID)"])
            return
        }
        let topic = request.topic
        Counter(label: "coretex_scheduler_jobs_received_total", dimensions: [("topic", topic)]).increment()
        guard !request.jobID.isEmpty else {
            logger.warning("dropped a job request without job_id", metadata: ["topic": "\(topic)"])
            return
        }
        guard !topic.isEmpty else {
            try await fail(packet, reason: "invalid job request: missing topic")
            return
        }
        let verdict = await safetyVerdict(for: request)
        guard verdict.allowed || verdict.unavailable else {
            try await deny(packet, verdict: verdict)
            return
        }
        try await place(WaitingRoom.Job(packet: packet, verdict: verdict, since: Date()), mayWait: true)
    }

    func safetyVerdict(for request: Coretex_Agent_V1_JobRequest) async -> SafetyVerdict {
        var check = Coretex_Agent_V1_PolicyCheckRequest()
        check.jobID = request.jobID
        check.topic = request.topic
        check.tenant = JobMeta.tenant(of: request)
        check.principalID = request.principalID
        check.priority = request.priority
        check.budget = request.budget
        check.labels = request.labels
        check.memoryID = request.memoryID
        if let config = request.env["CORETEX_EFFECTIVE_CONFIG"] { check.effectiveConfig = Data(config.utf8) }
        do {
            return SafetyVerdict(try await safety.check(check))
        } catch {
            return .unavailable(error)
        }
    }

    /// Places the job or, when no worker can take it now, parks it in the waiting room.
    /// Returns false when the job should stay waiting.
    @discardableResult
    func place(_ job: WaitingRoom.Job, mayWait: Bool) async throws -> Bool {
        var job = job
        let request = job.request
        if job.verdict.unavailable {
            // No verdict yet (the kernel could not be asked): ask again, and wait while it cannot
            // be; a job is never run without one, nor denied for the kernel's absence.
            job.verdict = await safetyVerdict(for: request)
            if job.verdict.unavailable {
                if waiting.isExpired(job) {
                    try await fail(job.packet, reason: "\(job.verdict.reason) (waited \(Int(waiting.maxWait)) s for the safety kernel)")
                    return true
                }
                if mayWait && !waiting.add(job) { try await fail(job.packet, reason: "\(job.verdict.reason) (waiting room full)") }
                return false
            }
            guard job.verdict.allowed else {
                try await deny(job.packet, verdict: job.verdict)
                return true
            }
        }
        guard
            let choice = registry.reserve(
                request.jobID, packet: job.packet,
                choose: {
                    placement.choose(topic: request.topic, labels: request.labels, workers: $0)
                })
        else {
            Counter(label: "coretex_scheduler_duplicate_submissions_total", dimensions: [("topic", request.topic)]).increment()
            logger.info("not acting on job: already dispatched by this scheduler", metadata: ["job": "\(request.jobID)"])
            return true
        }
        switch choice {
        case .success(let workerID):
            try await dispatch(job, to: workerID)
            return true
        case .failure(let failure) where failure.isTransient && !waiting.isExpired(job):
            if mayWait {
                if waiting.add(job) {
                    logger.debug("job waits for a worker", metadata: ["job": "\(request.jobID)", "why": "\(failure)"])
                } else {
                    try await fail(job.packet, reason: "\(failure) (waiting room full)")
                }
            }
            return false
        case .failure(let failure):
            let waited = failure.isTransient ? " (waited \(Int(waiting.maxWait)) s)" : ""
            try await fail(job.packet, reason: "\(failure)\(waited)")
            return true
        }
    }

    func retryWaiting() async {
        var stillWaiting: [WaitingRoom.Job] = []
        for job in waiting.takeAll() {
            do {
                if try await place(job, mayWait: false) { continue }
            } catch {
                logger.error("store error", metadata: ["job": "\(job.request.jobID)", "error": "\(error)"])
            }
            stillWaiting.append(job)
        }
        waiting.putBack(stillWaiting)
    }

    /// Dispatches a job whose slot on the worker is already reserved (see `place`).
    private func dispatch(_ job: WaitingRoom.Job, to workerID: String) async throws {
        let request = job.request
        var change = StateChange(path: [.scheduled, .dispatched], from: [.pending])
            .with("safety_decision", job.verdict.decision)
            .with("safety_reason", job.verdict.reason)
            .with("worker_id", workerID)
            // Recorded so a scheduler that restarts can take the dispatch on (`adoptDispatches`).
            .with("worker_lease", registry.dispatch(of: request.jobID)?.lease ?? "")
        change.deadlineUnix =
            JobMeta.deadline(of: request)
            ?? timeouts.defaultTimeout(topic: request.topic).map { UnixTime.now + $0 }
        let applied: Bool
        do {
            applied = try await applyCreatingIfNeeded(job.packet, change)
        } catch {
            registry.finished(request.jobID)
            throw error
        }
        guard applied else {
            registry.finished(request.jobID)
            return
        }
        guard let reserved = registry.dispatch(of: request.jobID) else {
            // The worker was found lost between the choice and now.
            await workerLost(
                WorkerRegistry.Lost(jobID: request.jobID, dispatch: .init(worker: workerID, packet: job.packet), restarted: false))
            return
        }
        Counter(label: "coretex_scheduler_jobs_dispatched_total", dimensions: [("topic", request.topic)]).increment()
        var out = Coretex_Agent_V1_BusPacket.request(request, traceID: job.packet.traceID, senderID: Self.senderID)
        out.protocolVersion = 1
        out.lease = reserved.lease
        out.attempt = job.packet.attempt
        do {
            // Sent again until stored: a dispatch a nats-server crash swallowed would leave its job
            // waiting for a worker that never heard of it. The id is this dispatch's own, so only
            // its copies are one (a later dispatch of the same job is another message).
            try bus.publishStored(
                Subjects.worker(workerID), out.wireBytes, messageID: "\(request.jobID):dispatch:\(UUID().uuidString)")
        } catch {
            registry.finished(request.jobID)
            try await fail(job.packet, reason: "dispatch failed: \(error)", from: [.dispatched])
        }
    }

    /// Applies a change to a submitted job (creating a record for one sent straight to the
    /// bus). False when the change did not apply: the job was cancelled meanwhile, or this is
    /// a duplicate submission of a job already under way.
    private func applyCreatingIfNeeded(_ packet: Coretex_Agent_V1_BusPacket, _ change: StateChange) async throws -> Bool {
        let outcome = try await lifecycle.apply(change, to: packet)
        if outcome.applied { return true }
        notActing(on: packet.jobRequest, outcome)
        return false
    }

    private func notActing(on request: Coretex_Agent_V1_JobRequest, _ outcome: TransitionOutcome) {
        Counter(label: "coretex_scheduler_duplicate_submissions_total", dimensions: [("topic", request.topic)]).increment()
        logger.info("not acting on job", metadata: ["job": "\(request.jobID)", "outcome": "\(outcome)"])
    }

    private func deny(_ packet: Coretex_Agent_V1_BusPacket, verdict: SafetyVerdict) async throws {
        let request = packet.jobRequest
        let fields = [("safety_decision", verdict.decision), ("safety_reason", verdict.reason)]
        guard try await end(packet, .denied(reason: verdict.reason), fields: fields) else { return }
        Counter(label: "coretex_scheduler_safety_denied_total", dimensions: [("topic", request.topic)]).increment()
    }

    /// Ends a job as FAILED with a dead letter because it cannot be placed or dispatched. Only
    /// from `states`: a copy of a job that another scheduler (or this one) already dispatched
    /// — a duplicate, or one the reconciler published again — must not fail the job that is
    /// running.
    func fail(_ packet: Coretex_Agent_V1_BusPacket, reason: String, from states: [JobState] = [.pending]) async throws {
        guard !packet.jobRequest.jobID.isEmpty else { return }
        try await end(packet, .placementGaveUp(reason: reason), from: states)
    }

    /// Ends a job this scheduler received, creating its record if it came straight to the bus.
    @discardableResult
    private func end(
        _ packet: Coretex_Agent_V1_BusPacket, _ ending: JobEnding, from states: [JobState]? = nil,
        fields: [(String, String)] = []
    ) async throws -> Bool {
        let request = packet.jobRequest
        let ended = try await lifecycle.end(request.jobID, ending, from: states, fields: fields, creatingFrom: packet)
        if !ended.applied { notActing(on: request, ended.outcome) }
        return ended.applied
    }

    // MARK: - lost workers

    /// A job this scheduler dispatched to a worker that is gone — silent for its time to live,
    /// or started again under a new lease — runs again: back to PENDING and through the
    /// submit path (safety check, placement) at once, up to `maxAttempts` runs in all. After
    /// that it ends FAILED with a dead letter (an operator can retry it), a result event and a
    /// cancel in case the worker comes back. Jobs a replica dispatched before it restarted
    /// are left to the reconciler. (docs/architecture.md, "Workers and leases")
    func workerLost(_ lost: WorkerRegistry.Lost) async {
        let jobID = lost.jobID, worker = lost.dispatch.worker
        let why =
            lost.restarted
            ? "worker \(worker) restarted under a new lease"
            : "worker \(worker) lost: no heartbeat for \(String(format: "%g", registry.ttl(of: worker))) s"
        let attempt = max(1, Int(lost.dispatch.packet?.attempt ?? 1))
        do {
            if let packet = lost.dispatch.packet, attempt < maxAttempts {
                let outcome = try await lifecycle.requeue(
                    jobID, reason: why, attempt: attempt + 1, worker: worker, lease: lost.dispatch.lease)
                guard outcome.applied else { return }  // answered, cancelled or timed out meanwhile
                Counter(label: "coretex_scheduler_jobs_requeued_total", dimensions: [("topic", packet.jobRequest.topic)]).increment()
                logger.info("job runs again", metadata: ["job": "\(jobID)", "why": "\(why)", "attempt": "\(attempt + 1)"])
                var again = packet
                again.attempt = Int32(attempt + 1)
                do {
                    try await handleSubmit(again)
                } catch {
                    logger.error("store error placing a job again", metadata: ["job": "\(jobID)", "error": "\(error)"])
                }
                return
            }
            let reason = lost.dispatch.packet == nil ? why : "\(why) (run \(attempt) of \(maxAttempts))"
            let ended = try await lifecycle.end(jobID, .workerLost(reason: reason))
            guard ended.applied else { return }
            Counter(label: "coretex_scheduler_worker_lost_jobs_total", dimensions: [("topic", ended.topic)]).increment()
        } catch {
            // Kept, so the next sweep tries again.
            registry.restore(lost)
            logger.error("store error handling a lost worker's job", metadata: ["job": "\(jobID)", "error": "\(error)"])
        }
    }

    /// Takes on every DISPATCHED or RUNNING job this scheduler does not have under way (one
    /// dispatched by a scheduler that has since restarted, or by a replica), from what the
    /// dispatch recorded: the worker, its lease, the run, and the kept packet. A job whose
    /// worker is gone runs again at the next sweep; one whose worker lives waits for its result.
    func adoptDispatches() async {
        var adopted = 0
        for state in [JobState.dispatched, .running] {
            var offset = 0
            while let ids = try? await store.ids(in: state, enteredBefore: UnixTime.now, limit: 200, offset: offset), !ids.isEmpty {
                offset += ids.count
                guard let packets = try? await store.submissions(ids) else { break }
                for id in ids where !registry.isOutstanding(id) {
                    guard let bytes = packets[id], let meta = try? await store.meta(id), let worker = meta["worker_id"],
                        var packet = try? Coretex_Agent_V1_BusPacket(serializedBytes: bytes)
                    else { continue }
                    packet.attempt = Int32(meta["attempt"] ?? "") ?? 0
                    let dispatch = WorkerRegistry.Dispatch(worker: worker, lease: meta["worker_lease"] ?? "", packet: packet)
                    guard registry.adopt(id, dispatch) else { continue }
                    // It may have ended since the scan: then it must not count against its worker.
                    if let now = try? await store.state(id), now.isTerminal {
                        registry.finished(id)
                    } else {
                        adopted += 1
                    }
                }
                if ids.count < 200 { break }
            }
        }
        if adopted > 0 { logger.info("took on jobs dispatched before this scheduler started", metadata: ["jobs": "\(adopted)"]) }
    }

    // MARK: - cancels

    /// Records a cancel sent straight to the bus (a script, an orchestrator): the gateway
    /// records its own before publishing, so for those this changes nothing.
    func handleCancel(_ packet: Coretex_Agent_V1_BusPacket) async {
        guard case .jobRequest(let request)? = packet.payload, !request.jobID.isEmpty else { return }
        let reason = request.env["cancel_reason"] ?? "cancelled"
        _ = try? await lifecycle.end(request.jobID, .cancelledOnBus(reason: reason))
    }

    // MARK: - results

    /// Throws on a store error, so the delivery comes again.
    func handleResult(_ packet: Coretex_Agent_V1_BusPacket) async throws {
        guard case .jobResult(let result)? = packet.payload, !result.jobID.isEmpty else { return }
        if packet.senderID == Self.senderID || packet.senderID == Reconciler.senderID { return }  // already recorded
        var fields: [(String, String)] = []
        if !result.resultPtr.isEmpty { fields.append(("result_ptr", result.resultPtr)) }
        if !result.workerID.isEmpty { fields.append(("worker_id", result.workerID)) }
        let ended = try await lifecycle.end(
            result.jobID, .reported(result.status, message: result.errorMessage),
            fields: fields)
        if !ended.applied {
            // A duplicate, a late result after a terminal state, or one for an unknown job.
            Counter(
                label: "coretex_scheduler_results_ignored_total",
                dimensions: [("reason", ended.outcome == .unchanged ? "duplicate" : "not_applicable")]
            ).increment()
            logger.debug("result changed nothing", metadata: ["job": "\(result.jobID)", "outcome": "\(ended.outcome)"])
            return  // no slot was freed
        }
        if waiting.count > 0 { await retryWaiting() }
    }
}
