import CoretexProtocol

extension JobState {
    /// The state a result with this wire status moves a job to. Non-terminal statuses in a
    /// result are a protocol error and end the job as FAILED: a result always ends its job.
    public init(resultStatus: Coretex_Agent_V1_JobStatus) {
        switch resultStatus {
        case .succeeded: self = .succeeded
        case .cancelled: self = .cancelled
        case .denied: self = .denied
        case .timeout: self = .timeout
        default: self = .failed
        }
    }

    /// The wire enum value of this state.
    public var status: Coretex_Agent_V1_JobStatus {
        switch self {
        case .pending: .pending
        case .scheduled: .scheduled
        case .dispatched: .dispatched
        case .running: .running
        case .succeeded: .succeeded
        case .failed: .failed
        case .cancelled: .cancelled
        case .timeout: .timeout
        case .denied: .denied
        }
    }
}

extension Coretex_Agent_V1_JobStatus {
    /// The enum value name used in metrics labels, DLQ entries and JSON (`JOB_STATUS_FAILED`).
    public var name: String {
        switch self {
        case .unspecified: "JOB_STATUS_UNSPECIFIED"
        case .pending: "JOB_STATUS_PENDING"
        case .scheduled: "JOB_STATUS_SCHEDULED"
        case .dispatched: "JOB_STATUS_DISPATCHED"
        case .running: "JOB_STATUS_RUNNING"
        case .succeeded: "JOB_STATUS_SUCCEEDED"
        case .failed: "JOB_STATUS_FAILED"
        case .cancelled: "JOB_STATUS_CANCELLED"
        case .denied: "JOB_STATUS_DENIED"
        case .timeout: "JOB_STATUS_TIMEOUT"
        case .UNRECOGNIZED(let n): "JOB_STATUS_\(n)"
        }
    }
}
