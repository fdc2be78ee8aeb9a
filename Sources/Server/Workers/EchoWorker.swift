import CoretexProtocol
import CoretexRuntime
import Foundation

/// `job.echo`: returns its input. Result `{job_id, received_ctx, processed_by, completed_at_utc}`.
///
/// It answers at once unless
/// `ECHO_DELAY_MS` asks for a delay (tests of cancellation and timeouts use it).
public struct EchoWorker: JobHandler {
    public let delay: Duration

    public init(delay: Duration = .zero) { self.delay = delay }

    public func handle(_ job: JobInput) async throws -> Data {
        if delay > .zero { try await Task.sleep(for: delay) }
        // Written as text, the context passed through as it is: decoding it into a JSONValue
        // and encoding it again cost more than everything else an echo does. What the quick
        // check refuses goes the slow way (null when it is not JSON at all).
        let context: Data =
            if let raw = job.context, JSONText.isValid(raw) { raw } else {
                try JSONEncoder.sorted.encode(job.contextJSON ?? .null)
            }
        var body = Data()
        body.reserveCapacity(context.count + 200)
        body.append(contentsOf: #"{"completed_at_utc":"#.utf8)
        body.append(contentsOf: JSONText.quoted(UnixTime.rfc3339(fractional: false)).utf8)
        body.append(contentsOf: #","job_id":"#.utf8)
        body.append(contentsOf: JSONText.quoted(job.id).utf8)
        body.append(contentsOf: #","processed_by":"#.utf8)
        body.append(contentsOf: JSONText.quoted(job.workerID).utf8)
        body.append(contentsOf: #","received_ctx":"#.utf8)
        body.append(context)
        body.append(UInt8(ascii: "}"))
        return body
    }
}
