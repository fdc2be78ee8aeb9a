import CoretexProtocol
import Foundation

/// `job.echo`: returns its input. Result `{job_id, received_ctx, processed_by, completed_at_utc}`.
///
/// The original slept 100–500 ms to look busy; this one answers at once unless
/// `ECHO_DELAY_MS` asks for a delay (tests of cancellation and timeouts use it).
public struct EchoWorker: JobHandler {
    public let delay: Duration

    public init(delay: Duration = .zero) { self.delay = delay }

    public func handle(_ job: JobInput) async throws -> Data {
        if delay > .zero { try await Task.sleep(for: delay) }
        struct Body: Encodable {
            var job_id: String
            var received_ctx: JSONValue
            var processed_by: String
            var completed_at_utc: String
        }
        let body = Body(job_id: job.id, received_ctx: job.contextJSON ?? .null, processed_by: job.workerID,
                        completed_at_utc: UnixTime.rfc3339(fractional: false))
        return try JSONEncoder.sorted.encode(body)
    }
}
