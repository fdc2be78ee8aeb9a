/// The id of a job dispatched for a workflow step: `<run>:<step>@<attempt>`, or
/// `<run>:<step>[<index>]@<attempt>` for a for_each child (docs/workflows.md, "Step jobs").
/// Results are routed back to the run and step by parsing it, so the format is part of the
/// contract.
public struct WorkflowJobID: Hashable, Sendable, CustomStringConvertible {
    public var runID: String
    /// The definition step id (for a child, its parent's id).
    public var stepID: String
    /// The for_each element index, for children.
    public var index: Int?
    /// 1-based dispatch number.
    public var attempt: Int

    public init(runID: String, stepID: String, index: Int? = nil, attempt: Int) {
        self.runID = runID
        self.stepID = stepID
        self.index = index
        self.attempt = attempt
    }

    /// Parses a job id; nil for anything that is not a workflow job id (a plain UUID, a DLQ
    /// retry id such as `…@1-retry-x`, a malformed index).
    ///
    /// The run id is everything before the last `:`, so run ids may contain `:`. A missing or
    /// non-numeric attempt is not read as attempt 0 but rejected, so a stray id can never
    /// match a StepRun.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let at = text.lastIndex(of: "@"), colon < at else { return nil }
        let runID = String(text[..<colon])
        let stepPart = text[text.index(after: colon)..<at]
        guard !runID.isEmpty, !stepPart.isEmpty,
            let attempt = Int(text[text.index(after: at)...]), attempt > 0
        else { return nil }
        if let open = stepPart.firstIndex(of: "[") {
            guard stepPart.last == "]", open != stepPart.startIndex,
                let index = Int(stepPart[stepPart.index(after: open)..<stepPart.index(before: stepPart.endIndex)]),
                index >= 0
            else { return nil }
            self.init(runID: runID, stepID: String(stepPart[..<open]), index: index, attempt: attempt)
        } else {
            guard !stepPart.contains("]") else { return nil }
            self.init(runID: runID, stepID: String(stepPart), attempt: attempt)
        }
    }

    /// The StepRun id this job belongs to: the step id, or `<step>[<index>]`.
    public var stepRunID: String { index.map { WorkflowJobID.childID(stepID, $0) } ?? stepID }

    public var description: String { "\(runID):\(stepRunID)@\(attempt)" }

    /// `fan[2]`: the id of a for_each child's StepRun.
    public static func childID(_ stepID: String, _ index: Int) -> String { "\(stepID)[\(index)]" }
}
