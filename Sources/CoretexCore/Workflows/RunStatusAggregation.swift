/// The run status implied by its steps (docs/workflows.md, "Run status"), as a pure function.
///
/// Rules, first match wins:
/// 1. a terminal run keeps its status (a late result cannot revive or re-fail it);
/// 2. any step `failed` or `cancelled` → `failed`;
/// 3. any step `timed_out` → `timed_out`;
/// 4. any step `waiting` → `waiting`;
/// 5. every step of the definition `succeeded` (skipped ones included) → `succeeded`;
/// 6. otherwise → `running`.
///
/// This is applied at the end of every scheduling pass too, not only after results, so a run
/// whose last step was skipped or whose for_each was empty finishes instead of hanging.
public enum RunStatusAggregation {
    public static func status(current: RunStatus, steps: [String: StepRun], stepIDs: some Collection<String>) -> RunStatus {
        if current.isTerminal { return current }
        let statuses = stepIDs.map { steps[$0]?.status }
        if statuses.contains(where: { $0 == .failed || $0 == .cancelled }) { return .failed }
        if statuses.contains(.timedOut) { return .timedOut }
        if statuses.contains(.waiting) { return .waiting }
        if statuses.allSatisfy({ $0 == .succeeded }) { return .succeeded }
        return .running
    }

    /// The first unsuccessful step (by id), whose error becomes the run's.
    public static func failingStep(steps: [String: StepRun], stepIDs: some Collection<String>) -> StepRun? {
        stepIDs.sorted().compactMap { steps[$0] }.first { $0.status.isUnsuccessful }
    }
}
