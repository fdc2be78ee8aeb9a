/// NATS subjects and queue groups (docs/protocol.md, "Bus subjects").
public enum Subjects {
    public static let submit = "sys.job.submit"
    public static let result = "sys.job.result"
    public static let cancel = "sys.job.cancel"
    public static let dlq = "sys.job.dlq"
    public static let heartbeat = "sys.heartbeat"
    /// Everything job-related, for taps (the gateway's stream).
    public static let allJobs = "sys.job.>"

    /// The direct subject of one worker.
    public static func worker(_ id: String) -> String { "worker.\(id).jobs" }

    public static let schedulerQueue = "coretex-scheduler"
    public static let workflowEngineQueue = "coretex-workflow-engine"

    /// Whether `id` can be used as a single subject token (no dots, wildcards or spaces).
    public static func isValidToken(_ id: String) -> Bool {
        !id.isEmpty && !id.contains { $0 == "." || $0 == "*" || $0 == ">" || $0.isWhitespace }
    }
}
