import ArgumentParser
import CoretexProtocol
import Foundation

struct TraceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Show every job of a trace as a timeline: states, workers and durations.",
        discussion: "A workflow run's id is its trace id, so `ctx trace RUN_ID` shows the run's jobs.")

    @Argument(help: "Trace id (the trace_id of a job, or a workflow run id).") var id: String
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let records = try await global.client().trace(id)
        guard !records.isEmpty else { throw CtxError("trace \(id) not found (no jobs recorded under it)", status: .notFound) }
        let printer = Printer(output)
        if output.output.isMachine { return try printer.list(records) }
        Out.lines(TraceView.lines(id, records, style: printer.style))
    }
}

/// A trace as a tree: jobs under their parent (`parent_job_id`, set by orchestrators),
/// each with its offset from the trace's start, its duration and a bar on a shared time axis.
enum TraceView {
    static func lines(_ id: String, _ records: [JobRecord], style: Style, barWidth: Int = 24) -> [String] {
        let start = records.map { $0.createdAt ?? $0.updatedAt }.min() ?? 0
        let end = max(records.map(\.updatedAt).max() ?? start, start + 1)
        let span = Double(end - start)
        let ids = Set(records.map(\.id))
        // A job whose parent is not in this trace is shown as a root.
        let byParent = Dictionary(grouping: records) { r in
            (r.parentJobID ?? r.labels?["parent_job_id"]).flatMap { ids.contains($0) ? $0 : nil } ?? ""
        }
        var lines = ["trace \(id)  \(records.count) job\(records.count == 1 ? "" : "s")  \(TimeText.duration(seconds: span))"]
        func walk(_ parent: String, _ prefix: String) {
            let children = (byParent[parent] ?? []).sorted { ($0.createdAt ?? 0, $0.id) < ($1.createdAt ?? 0, $1.id) }
            for (i, r) in children.enumerated() {
                let last = i == children.count - 1
                let created = r.createdAt ?? r.updatedAt
                let offset = min(Int(Double(created - start) / span * Double(barWidth)), barWidth - 1)
                let length = min(max(1, Int(Double(r.updatedAt - created) / span * Double(barWidth))), barWidth - offset)
                let bar = String(repeating: " ", count: offset) + String(repeating: "#", count: length)
                let name = r.labels?["step_id"].map { "\($0) (\(r.id))" } ?? r.id
                lines.append(
                    "\(prefix)\(last ? "`- " : "|- ")\(name)  \(r.topic ?? "-")  "
                        + style.paint(r.state, Style.colour(forState: r.state))
                        + "  +\(TimeText.duration(seconds: Double(created - start)))  \(JobView.duration(r))"
                        + (r.workerID.map { "  \($0)" } ?? "")
                        + "  [\(bar.padding(toLength: barWidth, withPad: " ", startingAt: 0))]")
                walk(r.id, prefix + (last ? "   " : "|  "))
            }
        }
        walk("", "")
        return lines
    }
}
