import Foundation

/// The body of the approve endpoint: `{"approved": true|false}`, plus who decided and why.
///
/// `approved` is required: read as a rejection, a missing field would let an empty or
/// mistyped body silently fail runs. Decoding fails instead, and the gateway answers 400.
public struct ApprovalDecision: Codable, Sendable, Equatable {
    public var approved: Bool
    public var approver: String?
    public var reason: String?

    public init(approved: Bool, approver: String? = nil, reason: String? = nil) {
        self.approved = approved
        self.approver = approver
        self.reason = reason
    }
}

/// Why a decision could not be applied. The descriptions of the step cases are fixed texts,
/// which clients may match; keep them stable.
public enum ApprovalError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The definition has no such step.
    case stepNotFound(String)
    /// The run has ended; nothing can be approved any more.
    case runFinished(RunStatus)
    /// The step exists but is not waiting for a decision (`status` nil: not reached yet).
    case stepNotWaiting(String, status: StepStatus?)

    public var description: String {
        switch self {
        case .stepNotFound: "step not found"
        case .runFinished(let status): "run is \(status.rawValue)"
        case .stepNotWaiting: "step not waiting"
        }
    }
}

extension WorkflowRun {
    /// Applies an approval decision (docs/workflows.md, "Approvals"). Approved: the step
    /// succeeds, and the engine should run a scheduling pass. Rejected: the step fails with the
    /// reason, which fails the run; the returned job ids (still running elsewhere in the run)
    /// must be cancelled.
    public mutating func decide(
        approvalOf stepID: String, _ decision: ApprovalDecision, workflow: Workflow, now: Date
    ) throws(ApprovalError) -> [String] {
        guard workflow.steps[stepID] != nil else { throw .stepNotFound(stepID) }
        guard !status.isTerminal else { throw .runFinished(status) }
        guard var stepRun = steps[stepID], stepRun.status == .waiting else {
            throw .stepNotWaiting(stepID, status: steps[stepID]?.status)
        }
        stepRun.approval = ApprovalRecord(approved: decision.approved, by: decision.approver, reason: decision.reason, decidedAt: now)
        stepRun.completedAt = now
        if decision.approved {
            stepRun.move(to: .succeeded)
        } else {
            var message = "approval rejected"
            if let approver = decision.approver, !approver.isEmpty { message += " by \(approver)" }
            if let reason = decision.reason, !reason.isEmpty { message += ": \(reason)" }
            stepRun.error = WorkflowError(message)
            stepRun.move(to: .failed)
        }
        steps[stepID] = stepRun
        return settle(workflow: workflow, now: now)
    }
}
