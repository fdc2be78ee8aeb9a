/// The status of a workflow run (docs/workflows.md, "Run status"). The raw values are the
/// wire's lower-case strings; clients compare them.
public enum RunStatus: String, CaseIterable, Sendable, Codable {
    case pending, running, waiting, succeeded, failed, cancelled
    case timedOut = "timed_out"

    public var isTerminal: Bool {
        switch self {
        case .pending, .running, .waiting: false
        case .succeeded, .failed, .cancelled, .timedOut: true
        }
    }
}

/// The status of one step (or for_each child) of a run. Same strings as the run's.
///
/// There is deliberately no `skipped` value: the contract lists the status strings and
/// clients (dashboards, scripts) switch on them, so a step whose condition was false is
/// `succeeded` with `skipped: true` on its StepRun (see `StepRun.skipped`). It satisfies
/// dependencies like any succeeded step.
public enum StepStatus: String, CaseIterable, Sendable, Codable {
    case pending, running, waiting, succeeded, failed, cancelled
    case timedOut = "timed_out"

    public var isTerminal: Bool {
        switch self {
        case .pending, .running, .waiting: false
        case .succeeded, .failed, .cancelled, .timedOut: true
        }
    }

    /// A terminal status other than success: it fails a for_each parent and the run.
    public var isUnsuccessful: Bool { self == .failed || self == .cancelled || self == .timedOut }
}
