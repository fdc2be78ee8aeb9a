/// The legal state transitions of a job, as data.
///
/// Rules that are easy to get wrong, and why:
/// - an unknown job can only become PENDING: a result or cancel for an id nobody submitted
///   must not create a phantom record;
/// - PENDING/SCHEDULED → CANCELLED is legal, so a cancel before dispatch is an ordinary
///   transition (the scheduler then sees CANCELLED and does not dispatch);
/// - DISPATCHED/RUNNING → DENIED is legal, so a worker answering DENIED ends the job instead
///   of leaving it RUNNING until the reconciler times it out;
/// - DISPATCHED/RUNNING → PENDING is legal only for the scheduler's re-run of a job whose
///   worker is gone (`JobLifecycle.requeue`); every other writer names its allowed sources;
/// - writing the current state again is *not* a transition: the store reports it as a no-op,
///   so duplicates and late results never count twice.
public enum JobTransitions {
    /// Allowed targets for each current state; `nil` stands for "no state yet".
    public static let table: [JobState?: Set<JobState>] = [
        nil: [.pending],
        .pending: [.scheduled, .dispatched, .denied, .failed, .timeout, .cancelled],
        .scheduled: [.dispatched, .denied, .failed, .timeout, .cancelled],
        .dispatched: [.pending, .running, .succeeded, .failed, .cancelled, .timeout, .denied],
        .running: [.pending, .succeeded, .failed, .cancelled, .timeout, .denied],
        .succeeded: [], .failed: [], .cancelled: [], .timeout: [], .denied: [],
    ]

    /// Whether a job in `current` may move to `target`.
    public static func allows(from current: JobState?, to target: JobState) -> Bool {
        table[current]?.contains(target) ?? false
    }

    /// The states from which `target` may be reached (used by the store's atomic script,
    /// which receives the table as arguments instead of a copy of it in Lua).
    public static func sources(of target: JobState) -> [JobState?] {
        table.compactMap { from, targets in targets.contains(target) ? .some(from) : nil }
    }
}

/// What an attempted state write did.
public enum TransitionOutcome: Equatable, Sendable {
    /// The state changed from `from` (nil: the job had no state) to the target.
    case applied(from: JobState?)
    /// The job already was in the target state; nothing was written.
    case unchanged
    /// The table forbids the move; `current` is what the job stays in.
    case rejected(current: JobState?)

    public var applied: Bool { if case .applied = self { true } else { false } }
}
