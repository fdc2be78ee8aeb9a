import Foundation

/// Why a run cannot be cancelled.
public enum CancelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The run has already ended; its status stays, so a finished run's outcome is final.
    case runFinished(RunStatus)

    public var description: String {
        switch self {
        case .runFinished(let status): "run already \(status.rawValue)"
        }
    }
}

/// `workflow.timeout_sec`, counted from the run's start; 0 means no timeout.
public enum RunTimeout {
    /// When the run times out; nil without a timeout or before it started.
    public static func deadline(of run: WorkflowRun, workflow: Workflow) -> Date? {
        guard workflow.timeoutSec > 0, let started = run.startedAt else { return nil }
        return started.addingTimeInterval(Double(workflow.timeoutSec))
    }

    /// Whether an active run is past its deadline.
    public static func hasTimedOut(_ run: WorkflowRun, workflow: Workflow, now: Date) -> Bool {
        guard !run.status.isTerminal, let deadline = deadline(of: run, workflow: workflow) else { return false }
        return now >= deadline
    }
}

extension WorkflowRun {
    /// Cancels the run (docs/workflows.md, "Cancellation"): every unfinished step (children
    /// included, steps never started too) becomes `cancelled`, and the run `cancelled`. Returns
    /// the job ids to send `sys.job.cancel` for.
    public mutating func cancel(workflow: Workflow, now: Date, reason: String = "workflow run cancelled") throws(CancelError) -> [String] {
        guard !status.isTerminal else { throw .runFinished(status) }
        return finish(.cancelled, workflow: workflow, reason: reason, now: now)
    }

    /// Times the run out if its deadline has passed; returns the job ids to cancel, or nil
    /// when the run has not timed out. The scheduling pass does this first too.
    public mutating func timeOutIfDue(workflow: Workflow, now: Date) -> [String]? {
        guard RunTimeout.hasTimedOut(self, workflow: workflow, now: now) else { return nil }
        let message = "workflow run timed out after \(workflow.timeoutSec)s"
        error = WorkflowError(message)
        return finish(.timedOut, workflow: workflow, reason: message, now: now)
    }

    /// Fails an active run for a reason outside its steps (its definition is gone or no
    /// longer valid). Returns the job ids to cancel.
    public mutating func fail(_ message: String, workflow: Workflow?, now: Date) throws(CancelError) -> [String] {
        guard !status.isTerminal else { throw .runFinished(status) }
        error = WorkflowError(message)
        return finish(.failed, workflow: workflow ?? Workflow(id: workflowID), reason: message, now: now)
    }
}
