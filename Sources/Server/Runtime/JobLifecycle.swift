import CoretexCore
import CoretexInfra
import CoretexProtocol
import Foundation
import Logging
import Metrics

/// The one way a job is born and the one way it ends (docs/architecture.md, "Job lifecycle").
///
/// Every submitter — the gateway, DLQ retries, the workflow engine, orchestrators — starts
/// from `request(…)` and goes through `submit`, which records the job (context, PENDING meta
/// and the packet itself, in one round trip) before it publishes it on `sys.job.submit`, so
/// the reconciler can publish again a job no scheduler received. Every ending goes through
/// `end`, which carries out what `JobEnding` decides: the state change (first terminal state
/// wins), the dead letter, the fallback result, the result event, the dead-letter notice and
/// the cancel.
package struct JobLifecycle: Sendable {
    package let store: any JobRecords
    package let bus: any MessageBus
    /// Who this process is on the bus; it also signs the fallback results it writes.
    package let senderID: String
    let logger: Logger

    package init(bus: any MessageBus, store: any JobRecords, senderID: String, logger: Logger) {
        self.store = store
        self.bus = bus
        self.senderID = senderID
        self.logger = logger
    }

    package init(connections: Connections, senderID: String, logger: Logger) {
        self.init(bus: connections.bus, store: connections.store, senderID: senderID, logger: logger)
    }

    // MARK: - birth

    /// The request every submitter starts from: the tenant in both places a reader looks
    /// (`tenant_id` and `env.tenant_id`), the context at `ctx:<id>` when there is one.
    package static func request(id: String = newID(), topic: String, tenant: String, hasContext: Bool = true)
        -> Coretex_Agent_V1_JobRequest
    {
        var request = Coretex_Agent_V1_JobRequest()
        request.jobID = id
        request.topic = topic
        request.tenantID = tenant
        request.env["tenant_id"] = tenant
        if hasContext { request.contextPtr = JobKeys.pointer(JobKeys.context(id)) }
        return request
    }

    package static func newID() -> String { UUID().uuidString.lowercased() }

    /// Why a submission did not go through. After `.busRefused` the job is recorded as FAILED
    /// with a dead letter: its submitter gives up on it, so it must not be published again.
    package enum SubmitFailure: Error, CustomStringConvertible {
        case storeUnavailable(any Error)
        case busRefused(any Error)

        package var description: String {
            switch self {
            case .storeUnavailable(let error): "store unavailable: \(error)"
            case .busRefused(let error): "failed to enqueue job: \(error)"
            }
        }
    }

    /// Records and publishes a new job. A duplicate id is rejected by the store and changes
    /// nothing (`.rejected` is returned and nothing is published). `sender` names the
    /// submitter on the bus when it is not this process's `senderID` (the gateway's HTTP,
    /// gRPC and review routes).
    @discardableResult
    package func submit(_ request: Coretex_Agent_V1_JobRequest, traceID: String, context: String?, as sender: String? = nil)
        async throws(SubmitFailure) -> TransitionOutcome
    {
        let bytes = Coretex_Agent_V1_BusPacket.request(request, traceID: traceID, senderID: sender ?? senderID).wireBytes
        let outcome: TransitionOutcome
        do {
            outcome = try await store.create(
                request.jobID, meta: JobMeta.fields(of: request), traceID: traceID,
                deadlineUnix: JobMeta.deadline(of: request), context: context, submission: bytes)
        } catch {
            throw .storeUnavailable(error)
        }
        guard outcome.applied else { return outcome }
        do {
            // Stored in the submissions stream before this returns (docs/durability.md); the
            // job id deduplicates a publish repeated within two minutes.
            try await bus.publishDurably(Subjects.submit, bytes, messageID: request.jobID)
        } catch {
            _ = try? await end(request.jobID, .busRefused(reason: "failed to enqueue job: \(error)"), topic: request.topic)
            throw .busRefused(error)
        }
        return outcome
    }

    // MARK: - changes short of an ending

    /// Applies a change to a submitted job; a job sent straight to the bus (no gateway) has
    /// no record yet, so it is created first from its packet.
    package func apply(_ change: StateChange, to packet: Coretex_Agent_V1_BusPacket) async throws -> TransitionOutcome {
        let request = packet.jobRequest
        var outcome = try await store.apply(request.jobID, change)
        if case .rejected(current: nil) = outcome {
            try await store.create(
                request.jobID, meta: JobMeta.fields(of: request), traceID: packet.traceID,
                deadlineUnix: JobMeta.deadline(of: request), context: nil)
            outcome = try await store.apply(request.jobID, change)
        }
        return outcome
    }

    /// Puts a dispatched job whose worker is gone back to PENDING, to run again (`attempt`
    /// is the run it becomes); applies only while the job is DISPATCHED or RUNNING, so a job
    /// whose result is recorded, or that was cancelled or timed out, never runs again — and
    /// only while it is still the dispatch to that worker (and `lease`, when it has one): two
    /// schedulers that both saw the loss put it back once.
    package func requeue(_ id: String, reason: String, attempt: Int, worker: String, lease: String) async throws
        -> TransitionOutcome
    {
        var change = StateChange(to: .pending, from: [.dispatched, .running])
            .expecting("worker_id", worker)
            .with("attempt", String(attempt))
            .with("requeue_reason", reason)
        if !lease.isEmpty { change = change.expecting("worker_lease", lease) }
        return try await store.apply(id, change)
    }

    // MARK: - endings

    /// Ends a job as `ending` decides. `from` narrows the states it may end from (default:
    /// `ending.defaultSources`); `fields` are recorded with the change; `packet` creates the
    /// job first when it has no record (one sent straight to the bus). Nothing is told
    /// unless the change applied (the job may have moved on: first terminal state wins).
    @discardableResult
    package func end(
        _ id: String, _ ending: JobEnding, from states: [JobState]? = nil, fields: [(String, String)] = [],
        creatingFrom packet: Coretex_Agent_V1_BusPacket? = nil, topic knownTopic: String? = nil
    ) async throws -> Ended {
        let change = Self.change(for: id, ending, from: states, fields: fields, signedBy: senderID)
        let outcome: TransitionOutcome
        let topic: String?
        if let packet {
            outcome = try await apply(change, to: packet)
            topic = packet.jobRequest.topic
        } else {
            (outcome, topic) = try await store.applyReturningTopic(id, change)
        }
        let label = topic ?? knownTopic ?? "unknown"
        guard outcome.applied else { return Ended(outcome: outcome, topic: label) }
        if ending.countsAsCompleted {
            Counter(label: "coretex_scheduler_jobs_completed_total", dimensions: [("topic", label), ("status", ending.status.name)])
                .increment()
        }
        if case .reported = ending {
            // The worker logged its own failure.
        } else if ending.isDeadLetter {
            logger.warning("job ended", metadata: ["job": "\(id)", "status": "\(ending.status.name)", "reason": "\(ending.reason)"])
        }
        announce(id, ending, traceID: packet?.traceID ?? id)
        return Ended(outcome: outcome, topic: label)
    }

    /// What `end` did: the store's outcome, and the job's topic (for metrics).
    package struct Ended: Sendable {
        package var outcome: TransitionOutcome
        package var topic: String
        package var applied: Bool { outcome.applied }
    }

    /// The state change an ending makes, with what it records when (and only when) it applies.
    package static func change(
        for id: String, _ ending: JobEnding, from states: [JobState]?, fields: [(String, String)], signedBy sender: String
    ) -> StateChange {
        var change = StateChange(to: ending.state, from: states ?? ending.defaultSources)
        change.fields = fields
        let reason = ending.reason
        if ending.isDeadLetter {
            change.deadLetter = DLQEntry(
                jobID: id, topic: nil, status: ending.status.name, reason: reason.isEmpty ? nil : reason,
                createdAt: UnixTime.rfc3339())
        }
        if ending.writesFallbackResult {
            change.fallbackResult = JobMeta.failureResult(jobID: id, status: ending.status, message: reason, processedBy: sender)
        }
        return change
    }

    /// Tells the bus what the ending decided: the result event, the dead-letter notice, the cancel.
    private func announce(_ id: String, _ ending: JobEnding, traceID: String) {
        var result = Coretex_Agent_V1_JobResult()
        result.jobID = id
        result.status = ending.status
        result.errorMessage = ending.reason
        if ending.writesFallbackResult { result.resultPtr = JobKeys.pointer(JobKeys.result(id)) }
        if ending.announcesResult {
            bus.publish(Subjects.result, .result(result, traceID: traceID, senderID: senderID), logger: logger)
        }
        if ending.noticesDeadLetter {
            bus.publish(Subjects.dlq, .result(result, traceID: id, senderID: senderID), logger: logger)
        }
        if ending.cancelsWorker {
            bus.publish(Subjects.cancel, .cancel(jobID: id, reason: ending.reason, senderID: senderID), logger: logger)
        }
    }
}
