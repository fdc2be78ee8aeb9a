import CoretexCore
import CoretexProtocol

/// A request to move a job to a new state, with what should be recorded if (and only if)
/// the move happens.
public struct StateChange: Sendable {
    /// The states to pass through, in order; the job ends in the last one. Most changes have
    /// one; dispatch records `SCHEDULED, DISPATCHED` in one step.
    public var path: [JobState]
    /// States the job may be in for the change to apply; by default what the transition
    /// table allows for the first step.
    public var from: [JobState?]
    /// Meta hash fields to set (`result_ptr`, `safety_decision`, `worker_id`, …).
    public var fields: [(String, String)] = []
    /// Adds the job to `trace:<id>` and sets meta `trace_id`.
    public var traceID: String?
    /// Absolute deadline (unix seconds) for a non-terminal job.
    public var deadlineUnix: Int?
    /// Dead-letter entry written when a terminal failure applies.
    public var deadLetter: DLQEntry?
    /// Result blob written to `res:<id>` when it has none (a failure nobody wrote a result for).
    public var fallbackResult: String?
    /// Meta fields that must hold these values for the change to apply (else it is rejected):
    /// a change decided on what the job looked like, made only if it still looks so.
    public var expected: [(String, String)] = []

    public init(to state: JobState, from: [JobState?]? = nil) {
        self.path = [state]
        self.from = from ?? JobTransitions.sources(of: state)
    }

    public init(path: [JobState], from: [JobState?]? = nil) {
        precondition(!path.isEmpty, "a state change needs a target")
        for (a, b) in zip(path, path.dropFirst()) {
            precondition(JobTransitions.allows(from: a, to: b), "illegal path \(a) → \(b)")
        }
        self.path = path
        self.from = from ?? JobTransitions.sources(of: path[0])
    }

    public var target: JobState { path[path.count - 1] }

    /// Applies only while meta `field` is `value`.
    public func expecting(_ field: String, _ value: String) -> StateChange {
        var copy = self
        copy.expected.append((field, value))
        return copy
    }

    public func with(_ field: String, _ value: String) -> StateChange {
        var copy = self
        copy.fields.append((field, value))
        return copy
    }
}
