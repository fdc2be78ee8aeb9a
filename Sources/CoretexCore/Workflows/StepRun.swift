import CoretexProtocol
import Foundation

/// The state of one step (or one for_each child) within a run (docs/workflows.md, "Runs").
/// Every field but `step_id` and `status` is omitted when empty.
public struct StepRun: Codable, Sendable, Equatable {
    /// The step id, or the child id `<step>[<i>]` for a for_each child.
    public var stepID: String
    public var status: StepStatus
    /// When the first attempt (or the fan-out, or the wait) started.
    public var startedAt: Date?
    public var completedAt: Date?
    /// Set while `pending` between a failed attempt and the retry.
    public var nextAttemptAt: Date?
    /// Number of dispatches so far.
    public var attempts: Int
    /// The payload sent with the latest dispatch.
    public var input: JSONValue?
    /// The result pointer (`redis://res:<job id>`) on success; the inline output is in the
    /// run's context.
    public var output: JSONValue?
    public var error: WorkflowError?
    /// `<run>:<step>@<n>` (or `<run>:<step>[<i>]@<n>`) of the latest dispatch.
    public var jobID: String?
    /// for_each children: the element this child works on (snapshotted at fan-out).
    public var item: JSONValue?
    /// for_each parents: child id → child. Serialised nested *and* flattened into the run's
    /// `steps` (see `WorkflowRun`), but held only here in memory.
    public var children: [String: StepRun]
    /// The step's condition was false, so it "succeeded" without running. An addition; the
    /// status stays `succeeded` because the status strings are part of the contract.
    public var skipped: Bool
    /// Approval steps: the decision, who made it and why.
    public var approval: ApprovalRecord?

    public init(stepID: String, status: StepStatus = .pending) {
        self.stepID = stepID
        self.status = status
        self.attempts = 0
        self.children = [:]
        self.skipped = false
    }

    /// Changes the status, checking the transition table in debug builds: an illegal move
    /// is a bug in this module, never a consequence of input.
    mutating func move(to target: StepStatus) {
        assert(StepTransitions.allows(from: status, to: target), "step \(stepID): \(status) → \(target)")
        status = target
    }

    /// for_each children in index order.
    var orderedChildren: [StepRun] {
        children.values.sorted { (Self.childIndex($0.stepID) ?? 0) < (Self.childIndex($1.stepID) ?? 0) }
    }

    /// 2 for `fan[2]`.
    static func childIndex(_ id: String) -> Int? {
        guard let open = id.lastIndex(of: "["), id.last == "]" else { return nil }
        return Int(id[id.index(after: open)..<id.index(before: id.endIndex)])
    }

    enum CodingKeys: String, CodingKey {
        case status, attempts, input, output, error, item, children, skipped, approval
        case stepID = "step_id", startedAt = "started_at", completedAt = "completed_at"
        case nextAttemptAt = "next_attempt_at", jobID = "job_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        stepID = try c.decodeIfPresent(String.self, forKey: .stepID) ?? ""
        let rawStatus = try c.decodeIfPresent(String.self, forKey: .status) ?? ""
        guard let status = rawStatus.isEmpty ? .pending : StepStatus(rawValue: rawStatus) else {
            throw DecodingError.dataCorruptedError(forKey: .status, in: c, debugDescription: "unknown step status \(rawStatus)")
        }
        self.status = status
        startedAt = try c.decodeTimestamp(forKey: .startedAt)
        completedAt = try c.decodeTimestamp(forKey: .completedAt)
        nextAttemptAt = try c.decodeTimestamp(forKey: .nextAttemptAt)
        attempts = try c.decodeIfPresent(Int.self, forKey: .attempts) ?? 0
        input = try c.decodeIfPresent(JSONValue.self, forKey: .input)
        output = try c.decodeIfPresent(JSONValue.self, forKey: .output)
        error = try c.decodeIfPresent(WorkflowError.self, forKey: .error)
        let jobID = try c.decodeIfPresent(String.self, forKey: .jobID) ?? ""
        self.jobID = jobID.isEmpty ? nil : jobID
        item = try c.decodeIfPresent(JSONValue.self, forKey: .item)
        children = try c.decodeIfPresent([String: StepRun].self, forKey: .children) ?? [:]
        skipped = try c.decodeIfPresent(Bool.self, forKey: .skipped) ?? false
        approval = try c.decodeIfPresent(ApprovalRecord.self, forKey: .approval)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(stepID, forKey: .stepID)
        try c.encode(status, forKey: .status)
        try c.encodeTimestampIfPresent(startedAt, forKey: .startedAt)
        try c.encodeTimestampIfPresent(completedAt, forKey: .completedAt)
        try c.encodeTimestampIfPresent(nextAttemptAt, forKey: .nextAttemptAt)
        if attempts != 0 { try c.encode(attempts, forKey: .attempts) }
        if let input, input != .null { try c.encode(input, forKey: .input) }
        if let output, output != .null { try c.encode(output, forKey: .output) }
        try c.encodeIfPresent(error, forKey: .error)
        try c.encodeIfPresent(jobID, forKey: .jobID)
        // An element that is JSON null is still written, so a child's snapshot survives.
        try c.encodeIfPresent(item, forKey: .item)
        if !children.isEmpty { try c.encode(children, forKey: .children) }
        if skipped { try c.encode(true, forKey: .skipped) }
        try c.encodeIfPresent(approval, forKey: .approval)
    }
}
