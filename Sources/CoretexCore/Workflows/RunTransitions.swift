/// The legal status changes of a workflow run, as data.
///
/// Rules that are easy to get wrong, and why:
/// - terminal statuses never change: cancelling a finished run is refused, so a `succeeded`
///   run never turns into `cancelled`;
/// - `running → timed_out` happens when `workflow.timeout_sec` passes, so a run cannot
///   outlive its timeout;
/// - `pending → failed` exists so a run whose definition is gone or invalid ends instead of
///   staying `pending` for ever;
/// - `waiting ↔ running` both ways: a run waits while any approval is pending and resumes
///   once none is.
public enum RunTransitions {
    public static let table: [RunStatus: Set<RunStatus>] = [
        .pending: [.running, .failed, .cancelled],
        .running: [.waiting, .succeeded, .failed, .cancelled, .timedOut],
        .waiting: [.running, .succeeded, .failed, .cancelled, .timedOut],
        .succeeded: [], .failed: [], .cancelled: [], .timedOut: [],
    ]

    public static func allows(from current: RunStatus, to target: RunStatus) -> Bool {
        table[current]?.contains(target) ?? false
    }
}

/// The legal status changes of a step (or for_each child), as data; `nil` is "no StepRun
/// yet", which behaves like `pending`.
///
/// - `nil|pending → succeeded` without a job: a false condition (recorded with
///   `skipped: true`) or an empty for_each;
/// - `nil|pending → waiting`: an approval gate; `waiting → succeeded|failed` by decision;
/// - `nil|pending → running`: dispatched (for a for_each parent: fanned out);
/// - `nil|pending → failed`: the payload or an expression could not be evaluated, or the
///   job could not be published;
/// - `running → pending`: the job failed and a retry is scheduled (`next_attempt_at`);
/// - `running → timed_out` only from a job TIMEOUT; a run timeout cancels its steps;
/// - every non-terminal status can be cancelled (run cancelled, failed or timed out).
public enum StepTransitions {
    public static let table: [StepStatus?: Set<StepStatus>] = [
        nil: [.pending, .running, .waiting, .succeeded, .failed, .cancelled],
        .pending: [.running, .waiting, .succeeded, .failed, .cancelled],
        .running: [.pending, .succeeded, .failed, .cancelled, .timedOut],
        .waiting: [.succeeded, .failed, .cancelled],
        .succeeded: [], .failed: [], .cancelled: [], .timedOut: [],
    ]

    public static func allows(from current: StepStatus?, to target: StepStatus) -> Bool {
        table[current]?.contains(target) ?? false
    }
}
