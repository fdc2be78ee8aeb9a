import CoretexProtocol
import Foundation

/// What a worker kind does with one job.
public protocol JobHandler: Sendable {
    /// Does the job and returns the JSON to store at `res:<job_id>`. Throwing fails the job
    /// with the error's text; honour task cancellation (the runtime cancels on
    /// `sys.job.cancel` and at the job's deadline).
    func handle(_ job: JobInput) async throws -> Data
}

/// A job as a handler sees it.
public struct JobInput: Sendable {
    public let request: Coretex_Agent_V1_JobRequest
    /// The bytes behind `context_ptr` (nil when absent or expired).
    public let context: Data?
    public let workerID: String
    /// The trace the job travels in (children of an orchestrator join it).
    public var traceID: String = ""

    public var id: String { request.jobID }

    /// The context parsed as JSON (nil when absent or not JSON).
    public var contextJSON: JSONValue? { context.flatMap { JSONValue.parse($0) } }
}

/// A handler failure with a specific outcome (e.g. DENIED by a worker-side check).
public struct JobFailure: Error, CustomStringConvertible {
    public var status: Coretex_Agent_V1_JobStatus
    public var message: String
    public init(_ message: String, status: Coretex_Agent_V1_JobStatus = .failed) {
        self.message = message
        self.status = status
    }
    public var description: String { message }
}
