import CoretexProtocol
import Foundation

/// A finished step job, as the engine learns it from `sys.job.result` or the JobStore.
public struct StepJobResult: Sendable, Equatable {
    public var jobID: String
    /// The job's terminal state. A non-terminal state fails the step ("unexpected status").
    public var state: JobState
    public var resultPtr: String
    public var errorMessage: String
    /// The result blob, already read by the caller: parsed JSON when it parses, else the raw
    /// text as a string; nil when it is missing or larger than `inlineOutputLimit`.
    public var output: JSONValue?

    /// Results above this size are referenced by pointer only (docs/workflows.md, "Step outputs").
    public static let inlineOutputLimit = 262_144

    public init(jobID: String, state: JobState, resultPtr: String = "", errorMessage: String = "", output: JSONValue? = nil) {
        self.jobID = jobID
        self.state = state
        self.resultPtr = resultPtr
        self.errorMessage = errorMessage
        self.output = output
    }
}

/// Why a result changed nothing. Results arrive at least twice (several consumers, the
/// reconciler), so all of these are normal.
public enum IgnoredResult: Equatable, Sendable {
    /// The id is not `<run>:<step>@<n>` (a plain job, a DLQ retry).
    case notAWorkflowJob
    /// The id names another run.
    case otherRun
    /// The run has already ended.
    case runFinished(RunStatus)
    /// The step is not in the definition, or was never dispatched.
    case unknownStep
    /// The step has moved on to another attempt (`current` is its job id now).
    case staleAttempt(current: String?)
    /// The step already took a result for this job.
    case duplicate
}

/// What applying a result did.
public struct ResultOutcome: Equatable, Sendable {
    /// nil when the result was applied.
    public var ignored: IgnoredResult?
    /// Set when the step will be retried: the engine should schedule a pass at this time.
    public var retryAt: Date?
    /// Jobs to cancel (`sys.job.cancel`) because the run or a for_each parent failed.
    public var jobsToCancel: [String]

    public var applied: Bool { ignored == nil }

    static func ignored(_ reason: IgnoredResult) -> ResultOutcome {
        ResultOutcome(ignored: reason, retryAt: nil, jobsToCancel: [])
    }
}

extension WorkflowRun {
    /// Applies a job result to the run (docs/workflows.md, "Step results"). Afterwards, if the
    /// run is not terminal, the engine should run a scheduling pass, also while the run is
    /// `waiting`, so branches next to an approval keep moving.
    ///
    /// Retries (docs/workflows.md, "Retries") apply to FAILED and TIMEOUT. DENIED is not
    /// retried (a safety decision will not change on its own) and CANCELLED never is.
    public mutating func apply(_ result: StepJobResult, workflow: Workflow, now: Date) -> ResultOutcome {
        guard let jobID = WorkflowJobID(result.jobID) else { return .ignored(.notAWorkflowJob) }
        guard jobID.runID == id else { return .ignored(.otherRun) }
        guard !status.isTerminal else { return .ignored(.runFinished(status)) }
        guard let step = workflow.steps[jobID.stepID], (jobID.index != nil) == step.isForEach,
            var stepRun = stepRun(jobID.stepRunID)
        else { return .ignored(.unknownStep) }
        guard stepRun.jobID == result.jobID else { return .ignored(.staleAttempt(current: stepRun.jobID)) }
        guard stepRun.status == .running else { return .ignored(.duplicate) }

        var retryAt: Date?
        switch result.state {
        case .succeeded:
            stepRun.move(to: .succeeded)
            stepRun.completedAt = now
            stepRun.nextAttemptAt = nil
            stepRun.error = nil
            stepRun.output = result.resultPtr.isEmpty ? nil : .string(result.resultPtr)
            recordSuccess(of: step, stepRunID: stepRun.stepID, resultPtr: result.resultPtr, output: result.output)
        case .failed, .timeout, .denied:
            let message = result.errorMessage.isEmpty ? "job \(result.state.rawValue)" : result.errorMessage
            stepRun.error = WorkflowError(message)
            if result.state != .denied, let retry = step.retry, retry.allowsRetry(afterAttempt: stepRun.attempts) {
                let at = now.addingTimeInterval(retry.delay(afterAttempt: stepRun.attempts))
                stepRun.move(to: .pending)
                stepRun.nextAttemptAt = at
                retryAt = at
            } else {
                stepRun.move(to: result.state == .timeout ? .timedOut : .failed)
                stepRun.completedAt = now
            }
        case .cancelled:
            stepRun.move(to: .cancelled)
            stepRun.completedAt = now
            if !result.errorMessage.isEmpty { stepRun.error = WorkflowError(result.errorMessage) }
        case .pending, .scheduled, .dispatched, .running:
            stepRun.move(to: .failed)
            stepRun.completedAt = now
            stepRun.error = WorkflowError("unexpected status: \(result.state.rawValue)")
        }
        setStepRun(stepRun)

        var jobs: [String] = []
        if jobID.index != nil { jobs += fanIn(parentID: jobID.stepID, workflow: workflow, now: now) }
        jobs += settle(workflow: workflow, now: now)
        return ResultOutcome(ignored: nil, retryAt: retryAt, jobsToCancel: Array(Set(jobs)).sorted())
    }

    /// The engine could not publish a job of the last pass: handled like a FAILED result,
    /// so the step's retry policy applies.
    public mutating func dispatchFailed(jobID: String, message: String, workflow: Workflow, now: Date) -> ResultOutcome {
        apply(StepJobResult(jobID: jobID, state: .failed, errorMessage: "dispatch failed: \(message)"), workflow: workflow, now: now)
    }
}
