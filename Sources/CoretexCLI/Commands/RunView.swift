import CoretexCore
import CoretexProtocol
import Foundation

/// How runs look: a description, and a timeline of steps (children under their parent).
enum RunView {
    struct Row: Encodable, Equatable {
        let step: String
        let status: String
        let attempts: Int
        let job_id: String?
        /// Seconds from the run's start.
        let started_offset: Double?
        let duration: Double?
        let error: String?
        let approval: String?
    }

    static func timeline(_ run: WorkflowRun) -> [Row] {
        let origin = run.startedAt ?? run.createdAt
        func row(_ id: String, _ s: StepRun) -> Row {
            let approval = s.approval.map { a in
                (a.approved ? "approved" : "rejected") + (a.by.map { " by \($0)" } ?? "") + (a.reason.map { ": \($0)" } ?? "")
            }
            return Row(
                step: id, status: s.skipped ? "skipped" : s.status.rawValue, attempts: s.attempts, job_id: s.jobID,
                started_offset: between(origin, s.startedAt), duration: between(s.startedAt, s.completedAt),
                error: s.error?.message, approval: approval)
        }
        let ordered = run.steps.sorted { a, b in
            (a.value.startedAt ?? .distantFuture, a.key) < (b.value.startedAt ?? .distantFuture, b.key)
        }
        return ordered.flatMap { id, step in
            [row(id, step)] + step.children.sorted { childIndex($0.key) < childIndex($1.key) }.map { row($0.key, $0.value) }
        }
    }

    static func between(_ a: Date?, _ b: Date?) -> Double? {
        guard let a, let b else { return nil }
        return b.timeIntervalSince(a)
    }

    /// `fan[12]` → 12, so children sort by number, not text.
    static func childIndex(_ id: String) -> Int {
        Int(id.split(separator: "[").last?.dropLast() ?? "") ?? 0
    }

    static func table(_ rows: [Row]) -> Table {
        var t = Table([
            .init(header: "STEP", flexible: true), .init(header: "STATUS"), .init(header: "ATTEMPTS"),
            .init(header: "START"), .init(header: "DURATION"), .init(header: "DETAIL", flexible: true, minWidth: 10),
            .init(header: "JOB", flexible: true, wideOnly: true),
        ])
        for r in rows {
            let indent = r.step.contains("[") ? "  " : ""
            t.add([
                .init(indent + r.step), .init(r.status, Style.colour(forState: r.status)), .init(r.attempts > 0 ? String(r.attempts) : "-"),
                .init(r.started_offset.map { "+" + TimeText.duration(seconds: $0) } ?? "-"),
                .init(r.duration.map { TimeText.duration(seconds: $0) } ?? "-"), .init(r.approval ?? r.error ?? ""),
                .init(r.job_id ?? ""),
            ])
        }
        return t
    }

    static func duration(_ start: Date?, _ end: Date?) -> String {
        guard let start else { return "-" }
        return TimeText.duration(seconds: (end ?? Date()).timeIntervalSince(start))
    }

    static func describe(_ run: WorkflowRun, style: Style) -> [String] {
        var lines = [
            "Run:         \(run.id)", "Workflow:    \(run.workflowID)",
            "Status:      \(style.paint(run.status.rawValue, Style.colour(forState: run.status.rawValue)))",
            "Duration:    \(duration(run.startedAt, run.completedAt))",
        ]
        if let error = run.error?.message { lines.append("Error:       \(error)") }
        if let input = run.input, let text = try? Printer.encode(input, .jsonl) { lines.append("Input:       \(text)") }
        lines.append("")
        lines += table(timeline(run)).render(width: Terminal.current.width, style: style)
        return lines
    }
}
