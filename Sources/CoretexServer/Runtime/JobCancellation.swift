import CoretexCore
import CoretexInfra
import CoretexProtocol
import Logging

/// Cancelling a job from inside the control plane (the gateway's cancel route, an
/// orchestrator giving up on a child): record CANCELLED if the job has not finished, then tell
/// everyone: the result on `sys.job.result` and the cancel on `sys.job.cancel` for the worker.
enum JobCancellation {
    static func cancel(_ id: String, reason: String, store: JobStore, bus: NATSBus, sender: String, logger: Logger)
        async throws -> TransitionOutcome
    {
        var change = StateChange(to: .cancelled, from: [.pending, .scheduled, .dispatched, .running])
        change.fallbackResult = JobMeta.fallbackResult(jobID: id, status: .cancelled, message: reason)
        let outcome = try await store.apply(id, change)
        if outcome.applied {
            var result = Coretex_Agent_V1_JobResult()
            result.jobID = id
            result.status = .cancelled
            result.errorMessage = reason
            bus.publish(Subjects.result, .result(result, traceID: id, senderID: sender), logger: logger)
            bus.publish(Subjects.cancel, .cancel(jobID: id, reason: reason, senderID: sender), logger: logger)
        }
        return outcome
    }
}
