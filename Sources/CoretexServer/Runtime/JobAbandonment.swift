import CoretexCore
import CoretexInfra
import CoretexProtocol
import Logging
import Metrics

/// Ends a job the control plane gave up on — timed out, or its worker lost — the same way
/// whoever gives up: the terminal state with a dead letter and a fallback result (when the
/// change applies: first terminal state wins), then a result event for waiters, a dead-letter
/// notice, and a cancel to whichever worker may still hold the job.
struct JobAbandonment {
    let connections: Connections
    let senderID: String
    let logger: Logger

    /// Returns the job's topic when the change applied, nil when the job had moved on.
    func end(_ id: String, as status: Coretex_Agent_V1_JobStatus, from states: [JobState], reason: String)
        async throws -> String?
    {
        var change = StateChange(to: JobState(resultStatus: status), from: states)
        change.deadLetter = DLQEntry(jobID: id, topic: nil, status: status.name, reason: reason,
                                     createdAt: UnixTime.rfc3339())
        change.fallbackResult = JobMeta.fallbackResult(jobID: id, status: status, message: reason)
        let (outcome, topic) = try await connections.store.applyReturningTopic(id, change)
        guard outcome.applied else { return nil }
        let label = topic ?? "unknown"
        logger.warning("job ended", metadata: ["job": "\(id)", "status": "\(status.name)", "reason": "\(reason)"])
        Counter(label: "coretex_scheduler_jobs_completed_total", dimensions: [("topic", label), ("status", status.name)])
            .increment()
        var result = Coretex_Agent_V1_JobResult()
        result.jobID = id
        result.status = status
        result.errorMessage = reason
        result.resultPtr = JobKeys.pointer(JobKeys.result(id))
        let bus = connections.bus
        bus.publish(Subjects.result, .result(result, traceID: id, senderID: senderID), logger: logger)
        bus.publish(Subjects.dlq, .result(result, traceID: id, senderID: senderID), logger: logger)
        bus.publish(Subjects.cancel, .cancel(jobID: id, reason: reason, senderID: senderID), logger: logger)
        return label
    }
}
