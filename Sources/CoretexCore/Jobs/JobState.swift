/// The state of a job as stored in Redis (`job:meta:<id>` field `state`).
///
/// The raw values are the exact upper-case strings of the contract; clients compare them.
public enum JobState: String, CaseIterable, Sendable, Codable {
    case pending = "PENDING"
    case scheduled = "SCHEDULED"
    case dispatched = "DISPATCHED"
    case running = "RUNNING"
    case succeeded = "SUCCEEDED"
    case failed = "FAILED"
    case cancelled = "CANCELLED"
    case timeout = "TIMEOUT"
    case denied = "DENIED"

    /// A terminal state never changes again: the first terminal state written wins.
    public var isTerminal: Bool {
        switch self {
        case .pending, .scheduled, .dispatched, .running: false
        case .succeeded, .failed, .cancelled, .timeout, .denied: true
        }
    }

    /// Name of the per-state index, `job:index:<state lower-case>`.
    public var indexName: String { rawValue.lowercased() }

    public static let terminal: [JobState] = allCases.filter(\.isTerminal)
}
