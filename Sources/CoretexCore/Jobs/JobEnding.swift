import CoretexProtocol

/// Every way a job can end, and what each ending records and tells (docs/architecture.md,
/// "Job lifecycle"). This table is the one place that decides it; `JobLifecycle` (in
/// CoretexRuntime) carries it out.
///
/// | ending | state | dead letter | fallback result | result event | cancel to the worker |
/// |---|---|---|---|---|---|
/// | a worker's result | the result's | unless succeeded or cancelled | same | no (the worker's own) | no |
/// | denied by policy | DENIED | no | no | yes | no |
/// | cancelled (API, orchestrator, workflow) | CANCELLED | no | yes | yes | yes |
/// | cancelled on the bus | CANCELLED | no | yes | yes | no (it was the cancel) |
/// | timed out | TIMEOUT | yes | yes | yes | yes |
/// | worker lost | FAILED | yes | yes | yes | yes |
/// | bus refused the submit | FAILED | yes | yes | no (the bus is down) | no |
/// | placement gave up | FAILED | yes | yes | yes | no (nothing was dispatched) |
/// | deliveries exhausted | FAILED | yes | yes | yes | no (nothing holds it) |
public enum JobEnding: Sendable, Equatable {
    /// A worker reported the job's end (any status).
    case reported(Coretex_Agent_V1_JobStatus, message: String)
    /// The safety kernel refused it.
    case denied(reason: String)
    /// Someone inside the control plane cancelled it and tells the worker.
    case cancelled(reason: String)
    /// A cancel someone else published on `sys.job.cancel`, recorded.
    case cancelledOnBus(reason: String)
    /// The reconciler found it past a timeout or its deadline.
    case timedOut(reason: String)
    /// The worker it was dispatched to stopped heartbeating.
    case workerLost(reason: String)
    /// The bus refused the submission: its submitter gives up on it.
    case busRefused(reason: String)
    /// No worker could take it (or its dispatch failed, or the request was invalid).
    case placementGaveUp(reason: String)
    /// Its submission or result could not be handled on any of its deliveries (the store
    /// kept failing): ended rather than left to the reconciler's timeouts.
    case deliveryExhausted(reason: String)

    public var status: Coretex_Agent_V1_JobStatus {
        switch self {
        case .reported(let status, _): status
        case .denied: .denied
        case .cancelled, .cancelledOnBus: .cancelled
        case .timedOut: .timeout
        case .workerLost, .busRefused, .placementGaveUp, .deliveryExhausted: .failed
        }
    }

    public var state: JobState { JobState(resultStatus: status) }

    public var reason: String {
        switch self {
        case .reported(_, let message): message
        case .denied(let r), .cancelled(let r), .cancelledOnBus(let r), .timedOut(let r), .workerLost(let r),
            .busRefused(let r), .placementGaveUp(let r), .deliveryExhausted(let r):
            r
        }
    }

    /// States the job may be in for this ending to apply; nil: whatever the transition table
    /// allows into `state`. A scheduler decides only about jobs still PENDING: a copy of a job
    /// another replica already dispatched must not end the job that is running.
    public var defaultSources: [JobState]? {
        switch self {
        case .reported: nil
        case .denied, .busRefused, .placementGaveUp: [.pending]
        case .cancelled, .cancelledOnBus, .timedOut, .deliveryExhausted: [.pending, .scheduled, .dispatched, .running]
        case .workerLost: [.scheduled, .dispatched, .running]
        }
    }

    /// A failure an operator may want to retry goes to the DLQ; a success, a cancel (the
    /// operator's own decision) and a denial (policy would deny it again) do not.
    public var isDeadLetter: Bool {
        switch self {
        case .reported(let status, _): status != .succeeded && status != .cancelled
        case .denied, .cancelled, .cancelledOnBus: false
        case .timedOut, .workerLost, .busRefused, .placementGaveUp, .deliveryExhausted: true
        }
    }

    /// Whether `res:<id>` gets a failure body when nobody wrote a result.
    public var writesFallbackResult: Bool {
        switch self {
        case .reported: isDeadLetter
        case .denied: false
        case .cancelled, .cancelledOnBus, .timedOut, .workerLost, .busRefused, .placementGaveUp, .deliveryExhausted: true
        }
    }

    /// Whether a result event goes on `sys.job.result` for bus-only clients and waiters. A
    /// worker's report is that event already; after a refused submit the bus is down.
    public var announcesResult: Bool {
        switch self {
        case .reported, .busRefused: false
        case .denied, .cancelled, .cancelledOnBus, .timedOut, .workerLost, .placementGaveUp, .deliveryExhausted: true
        }
    }

    /// Whether a dead-letter notice goes on `sys.job.dlq`: for every dead letter but a refused
    /// submission (the bus that refused it would refuse the notice too).
    public var noticesDeadLetter: Bool {
        if case .busRefused = self { return false }
        return isDeadLetter
    }

    /// Whether a cancel goes on `sys.job.cancel` for a worker that may still hold the job.
    public var cancelsWorker: Bool {
        switch self {
        case .cancelled, .timedOut, .workerLost: true
        case .reported, .denied, .cancelledOnBus, .busRefused, .placementGaveUp, .deliveryExhausted: false
        }
    }

    /// Whether `coretex_scheduler_jobs_completed_total` counts it: the endings a scheduler or
    /// the reconciler decides or records (the gateway's own cancels and refusals are counted by
    /// its request metrics).
    public var countsAsCompleted: Bool {
        switch self {
        case .cancelled, .busRefused: false
        default: true
        }
    }
}
