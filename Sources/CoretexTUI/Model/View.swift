/// A screen of the console. Detail views carry what they show.
public enum View: Hashable, Sendable {
    case jobs, runs, approvals, workers, stream, dlq, help
    case job(String)
    case run(String)
    case trace(String)
    case memory(String)

    /// The kind, for key bindings and per-view list state.
    public var kind: Kind {
        switch self {
        case .jobs: .jobs
        case .runs: .runs
        case .approvals: .approvals
        case .workers: .workers
        case .stream: .stream
        case .dlq: .dlq
        case .help: .help
        case .job: .job
        case .run: .run
        case .trace: .trace
        case .memory: .memory
        }
    }

    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case jobs, runs, approvals, workers, stream, dlq, help, job, run, trace, memory
    }

    public var title: String {
        switch self {
        case .jobs: "Jobs"
        case .runs: "Runs"
        case .approvals: "Approvals"
        case .workers: "Workers"
        case .stream: "Stream"
        case .dlq: "Dead letters"
        case .help: "Help"
        case .job(let id): "Job \(id)"
        case .run(let id): "Run \(id)"
        case .trace(let id): "Trace \(id)"
        case .memory(let ref): "Memory \(ref)"
        }
    }
}
