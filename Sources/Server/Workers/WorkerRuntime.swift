import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexRuntime
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Runs one kind of worker: receives jobs on its pool's queue group and its direct subject,
/// runs at most `maxParallelJobs` at once, reads `ctx:<id>`, writes `res:<id>`, publishes the
/// result, heartbeats every second (with its process's lease) and honours cancels and deadlines.
public final class WorkerRuntime: Service, Sendable {
    public let spec: WorkerSpec
    let handler: any JobHandler
    let connections: Connections
    let explicitID: String?
    let logger: Logger
    let heartbeatInterval: Duration
    /// Jobs under way by id; `start` numbers them so a job's task removes only its own entry.
    private let inFlight = Mutex<[String: (start: Int, task: Task<Void, Never>)]>([:])
    private let starts = Atomic<Int>(0)
    private let claimed = Mutex<WorkerIdentity?>(nil)
    /// Set at shutdown: jobs cancelled then end FAILED ("worker shutting down"), so they can be
    /// retried, not CANCELLED as if an operator had asked.
    private let stopping = Atomic<Bool>(false)

    public init(
        spec: WorkerSpec, handler: any JobHandler, connections: Connections, workerID: String? = nil,
        logger: Logger, heartbeatInterval: Duration = .seconds(1)
    ) {
        self.spec = spec
        self.handler = handler
        self.connections = connections
        self.explicitID = workerID
        self.logger = logger
        self.heartbeatInterval = heartbeatInterval
    }

    /// The id in use once `run()` has claimed one.
    public var workerID: String? { claimed.withLock { $0?.id } }

    public func run() async throws {
        let identity = try await WorkerIdentity.claim(kind: spec.kind, explicit: explicitID, redis: connections.redis)
        guard Subjects.isValidToken(identity.id) else {
            throw JobFailure("worker id \"\(identity.id)\" is not a valid NATS subject token (no dots, wildcards or spaces)")
        }
        claimed.withLock { $0 = identity }
        let logger = self.logger.with(worker: identity.id)
        let bus = connections.bus
        let shared = try bus.packets(spec.topic, queue: spec.queueGroup, logger: logger)
        // The direct subject durably (docs/durability.md): a dispatch waits in the stream while
        // this worker reconnects, and is acknowledged once its result is out.
        let direct = try bus.deliveredPackets(.dispatches(to: identity.id), logger: logger)
        let cancels = try bus.packets(Subjects.cancel, logger: logger)
        let slots = JobSlots(spec.maxParallelJobs)
        logger.info("worker started", metadata: ["pool": "\(spec.pool)", "topic": "\(spec.topic)"])

        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    let undelivered = shared.map { (packet: $0.packet, delivery: BusDelivery?.none) }
                    await self.take(undelivered, slots: slots, identity: identity, logger: logger)
                }
                group.addTask { await self.take(direct, slots: slots, identity: identity, logger: logger) }
                group.addTask {
                    for await (_, packet) in cancels { self.cancel(packet.jobRequest, logger: logger) }
                }
                group.addTask { await self.heartbeats(identity, logger: logger) }
            }
            // Deliveries have ended: wait for the jobs under way (cancelled, so they end FAILED).
            for (_, task) in self.inFlight.withLock({ Array($0.values) }) { await task.value }
        } onGracefulShutdown: {
            shared.subscription.unsubscribe()
            direct.subscription.unsubscribe()
            cancels.subscription.unsubscribe()
            self.stopping.store(true, ordering: .relaxed)
            for (_, task) in self.inFlight.withLock({ Array($0.values) }) { task.cancel() }
        }
        await identity.release(connections.redis)
        logger.info("worker stopped")
    }

    /// Starts jobs from `source` as they come, each in its own task, while a slot is free
    /// (`maxParallelJobs` in all); the rest wait their turn. One task per job, started where
    /// the delivery arrives: every hop between tasks costs a thread wake-up.
    /// A dispatch addressed to another lease of this id was meant for a process that is gone
    /// (one that ran under this id before a restart): the scheduler runs that job again
    /// elsewhere, so it is dropped here (docs/architecture.md, "Workers and leases").
    private func take(
        _ source: some AsyncSequence<(packet: Coretex_Agent_V1_BusPacket, delivery: BusDelivery?), Never>,
        slots: JobSlots, identity: WorkerIdentity, logger: Logger
    ) async {
        let workerID = identity.id
        for await (packet, delivery) in source {
            guard packet.jobRequest.jobID != "" else {
                delivery?.term()
                continue
            }
            if !packet.lease.isEmpty && packet.lease != identity.token {
                logger.info("dropped a dispatch meant for an earlier process", metadata: ["job": "\(packet.jobRequest.jobID)"])
                delivery?.term()
                continue
            }
            await slots.acquire()
            let id = packet.jobRequest.jobID
            let start = starts.add(1, ordering: .relaxed).newValue
            inFlight.withLock { jobs in
                // Created under the lock, so the task's own removal waits until it is listed.
                let task = Task {
                    await self.run(packet, workerID: workerID, logger: logger)
                    delivery?.ack()
                    self.inFlight.withLock { if $0[id]?.start == start { $0[id] = nil } }
                    slots.release()
                }
                jobs[id] = (start, task)
                // A job delivered just before shutdown starts cancelled (it ends FAILED, retryable).
                if stopping.load(ordering: .relaxed) { task.cancel() }
            }
        }
    }

    private func cancel(_ request: Coretex_Agent_V1_JobRequest, logger: Logger) {
        guard let task = inFlight.withLock({ $0[request.jobID]?.task }) else { return }
        logger.info("cancelling job", metadata: ["job": "\(request.jobID)", "reason": "\(request.env["cancel_reason"] ?? "")"])
        task.cancel()
    }

    private func run(_ packet: Coretex_Agent_V1_BusPacket, workerID: String, logger: Logger) async {
        let request = packet.jobRequest
        let store = connections.store
        let started = ContinuousClock.now
        // RUNNING means "a worker started it", so it is written here, not before publishing;
        // the context is read in the same round trip.
        let begun = try? await store.apply(
            request.jobID, StateChange(to: .running, from: [.dispatched]).with("worker_id", workerID),
            reading: request.contextPtr)
        switch begun?.outcome {
        case .unchanged?, .rejected(current: .some)?:
            // Effects once: the job is already running elsewhere, has ended (its result is
            // recorded, it was cancelled or timed out) or was put back to run again elsewhere.
            // Only a job with no record (sent straight to this worker) or a store that cannot
            // answer runs without the RUNNING mark.
            logger.info(
                "not running a job that is not waiting for this worker",
                metadata: ["job": "\(request.jobID)", "outcome": "\(begun!.outcome)"])
            return
        default: break
        }
        var job = JobInput(request: request, context: begun?.blob.map { Data($0) }, workerID: workerID)
        job.traceID = packet.traceID
        let input = job

        var result = Coretex_Agent_V1_JobResult()
        result.jobID = request.jobID
        result.workerID = workerID
        result.resultPtr = JobKeys.pointer(JobKeys.result(request.jobID))
        let body: Data
        do {
            body = try await withDeadline(ms: request.budget.deadlineMs) { try await self.handler.handle(input) }
            result.status = .succeeded
        } catch {
            (result.status, result.errorMessage) =
                error is CancellationError && stopping.load(ordering: .relaxed)
                ? (.failed, "worker shutting down") : Self.outcome(of: error)
            body = Data(
                JobMeta.failureResult(
                    jobID: request.jobID, status: result.status, message: result.errorMessage,
                    processedBy: workerID
                ).utf8)
        }
        result.executionMs = Self.milliseconds(ContinuousClock.now - started)
        do {
            try await store.putResult(request.jobID, String(decoding: body, as: UTF8.self))
        } catch {
            logger.error("could not store result", metadata: ["job": "\(request.jobID)", "error": "\(error)"])
            result.resultPtr = ""
        }
        var out = Coretex_Agent_V1_BusPacket.result(result, traceID: packet.traceID, senderID: workerID)
        out.protocolVersion = packet.protocolVersion == 0 ? 1 : packet.protocolVersion
        do {
            // Sent again until the results stream has it: a result a nats-server crash swallowed
            // would leave the job RUNNING on a live worker until its timeout.
            try connections.bus.publishStored(
                Subjects.result, out.wireBytes, messageID: "\(request.jobID):result:\(UUID().uuidString)")
        } catch {
            logger.error("publish failed", metadata: ["subject": "\(Subjects.result)", "error": "\(error)"])
        }
    }

    static func outcome(of error: any Error) -> (Coretex_Agent_V1_JobStatus, String) {
        switch error {
        case let failure as JobFailure: (failure.status, failure.message)
        case is DeadlineExceeded: (.timeout, "deadline exceeded")
        case is CancellationError: (.cancelled, "cancelled")
        default: (.failed, "\(error)")
        }
    }

    /// Whole milliseconds of a duration, from one reading of the clock: seconds and the
    /// fraction must come from the same difference, or a second boundary between two
    /// readings is lost or counted twice.
    static func milliseconds(_ elapsed: Duration) -> Int64 {
        let (seconds, attoseconds) = elapsed.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    // MARK: - heartbeats

    private func heartbeats(_ identity: WorkerIdentity, logger: Logger) async {
        // The first one goes out at once, so the scheduler can place jobs here immediately.
        repeat {
            var hb = Coretex_Agent_V1_Heartbeat()
            hb.workerID = identity.id
            hb.region = "local"
            hb.type = "cpu"
            hb.cpuLoad = Float(CPULoad.percent())
            hb.activeJobs = Int32(inFlight.withLock { $0.count })
            hb.capabilities = spec.capabilities
            hb.pool = spec.pool
            hb.maxParallelJobs = Int32(spec.maxParallelJobs)
            hb.labels = spec.labels
            hb.lease = identity.token
            hb.heartbeatIntervalMs = Int32(clamping: WorkerRuntime.milliseconds(heartbeatInterval))
            var packet = Coretex_Agent_V1_BusPacket(traceID: "hb-\(identity.id)", senderID: identity.id)
            packet.heartbeat = hb
            connections.bus.publish(Subjects.heartbeat, packet, logger: logger)
            await identity.renew(connections.redis)
        } while await pause(heartbeatInterval)
    }
}

/// The job's `budget.deadline_ms` passed.
struct DeadlineExceeded: Error {}

/// Runs `work`, cancelling it and throwing `DeadlineExceeded` after `ms` milliseconds (none if ≤ 0).
package func withDeadline<T: Sendable>(ms: Int64, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
    guard ms > 0 else { return try await work() }
    return try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await work() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(ms))
            throw DeadlineExceeded()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// 1-minute load average per CPU, in percent, clamped to 0…1000.
enum CPULoad {
    static func percent() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8),
            let first = text.split(separator: " ").first, let load = Double(first)
        else { return 0 }
        let cpus = Double(max(ProcessInfo.processInfo.activeProcessorCount, 1))
        return min(max(load / cpus * 100, 0), 1000)
    }
}

extension Logger {
    fileprivate func with(worker id: String) -> Logger {
        var logger = self
        logger[metadataKey: "worker"] = "\(id)"
        return logger
    }
}
