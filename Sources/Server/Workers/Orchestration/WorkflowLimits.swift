import CoretexCore

/// An orchestrator's time budget: `workflows.<name>` of `config/timeouts.yaml`. Zero keeps
/// the default, and `max_retries: 0` means no retry (not a minimum of one).
public struct WorkflowLimits: Sendable, Equatable {
    public var childTimeoutSeconds: Int
    public var totalTimeoutSeconds: Int
    public var maxRetries: Int

    public init(childTimeoutSeconds: Int, totalTimeoutSeconds: Int, maxRetries: Int) {
        self.childTimeoutSeconds = childTimeoutSeconds
        self.totalTimeoutSeconds = totalTimeoutSeconds
        self.maxRetries = maxRetries
    }

    public init(_ config: TimeoutConfig, workflow: String, defaults: WorkflowLimits) {
        self = defaults
        guard let w = config.workflows[workflow] else { return }
        if w.childTimeoutSeconds > 0 { childTimeoutSeconds = w.childTimeoutSeconds }
        if w.totalTimeoutSeconds > 0 { totalTimeoutSeconds = w.totalTimeoutSeconds }
        maxRetries = max(w.maxRetries, 0)
    }
}
