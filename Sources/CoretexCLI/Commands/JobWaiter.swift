import CoretexClient
import CoretexProtocol
import Foundation

/// Waits for jobs to become final by polling their detail (fast at first, then every
/// half second), printing their state changes when following.
///
/// Polling rather than the WebSocket: the stream only carries bus packets, and a job can end
/// without one (a safety denial, a reconciler timeout); the job's recorded history is the
/// truth, and the first polls come quickly enough that an echo job is seen done at once.
struct JobWaiter {
    let client: GatewayClient
    let printer: Printer
    let follow: Bool

    static let finalStates: Set<String> = ["SUCCEEDED", "FAILED", "CANCELLED", "TIMEOUT", "DENIED"]

    func wait(for id: String, timeout seconds: Int) async throws -> JobDetail {
        var printed = 0
        return try await Repeat.poll(
            "job \(id)", timeout: seconds, fetch: { try await client.job(id) },
            observe: { detail in
                guard follow else { return }
                for event in detail.events.dropFirst(printed) { try print(event, of: id) }
                printed = max(printed, detail.events.count)
            },
            isFinal: { Self.finalStates.contains($0.state) }, describe: { "state \($0.state)" })
    }

    private func print(_ event: JobEvent, of id: String) throws {
        if printer.format.isMachine {
            struct Line: Encodable { let job_id: String; let state: String; let at: String }
            Out.line(try Printer.encode(Line(job_id: id, state: event.state, at: TimeText.rfc3339(unix: event.at)), .jsonl))
        } else {
            let time = Date(timeIntervalSince1970: TimeInterval(event.at)).formatted(
                .dateTime.hour(.twoDigits(amPM: .omitted)).minute().second())
            Out.line("\(time)  \(printer.style.paint(event.state, Style.colour(forState: event.state)))")
        }
    }

    /// Prints the outcome and fails with exit status 5 unless the job succeeded.
    static func report(_ detail: JobDetail, printer: Printer) throws {
        if printer.format.isMachine {
            try printer.value(detail)
        } else {
            JobView.describe(detail, printer: printer)
        }
        guard detail.state == "SUCCEEDED" else {
            let why = detail.errorMessage ?? (detail.safetyReason.isEmpty ? nil : detail.safetyReason)
            throw CtxError("job \(detail.id) ended \(detail.state)" + (why.map { ": \($0)" } ?? ""), status: .jobFailed)
        }
    }
}
