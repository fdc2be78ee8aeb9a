import CoretexCore
import CoretexProtocol
import Foundation

/// One line of a list view: a key (job id, run id, `run/step`), cells and how to style them.
public struct Row: Sendable, Equatable {
    public var key: String
    public var cells: [String]
    public var styles: [TextStyle]

    init(_ key: String, _ cells: [String], styles: [TextStyle] = []) {
        self.key = key
        self.cells = cells
        self.styles = styles
    }
}

/// The rows of each list view, filtered and sorted as its `ListState` says.
enum Rows {
    static func headers(for kind: View.Kind) -> [String] {
        switch kind {
        case .jobs: ["ID", "TOPIC", "STATE", "WORKER", "AGE", "TRACE"]
        case .runs: ["RUN", "WORKFLOW", "STATUS", "STEPS", "AGE"]
        case .approvals: ["RUN", "STEP", "WORKFLOW", "WAITING"]
        case .workers: ["WORKER", "POOL", "LOAD", "ACTIVE", "CPU", "SEEN"]
        case .dlq: ["JOB", "TOPIC", "STATUS", "REASON"]
        case .run: ["STEP", "STATUS", "ATTEMPTS", "DURATION", "DETAIL"]
        case .trace: ["JOB", "STEP", "TOPIC", "STATE", "WORKER", "DURATION"]
        default: []
        }
    }

    static func rows(for view: View, in c: Console, now: Date = Date()) -> [Row] {
        var rows = unfiltered(view, c, now: now)
        let state = c.list(view.kind)
        rows = state.visible(rows) { $0.cells.joined(separator: " ") }
        if let column = state.sortColumn {
            rows.sort { a, b in
                let x = a.cells.indices.contains(column) ? a.cells[column] : ""
                let y = b.cells.indices.contains(column) ? b.cells[column] : ""
                return x.localizedStandardCompare(y) == .orderedAscending
            }
        }
        return rows
    }

    static func age(_ seconds: Double) -> String {
        let s = max(0, Int(seconds))
        return s < 60 ? "\(s)s" : s < 3600 ? "\(s / 60)m" : s < 86400 ? "\(s / 3600)h" : "\(s / 86400)d"
    }

    private static func unfiltered(_ view: View, _ c: Console, now: Date) -> [Row] {
        let t = now.timeIntervalSince1970
        switch view {
        case .jobs:
            return c.data.jobs.map { j in
                Row(
                    j.id,
                    [j.id, j.topic ?? "-", j.state, j.workerID ?? "-", age(t - Double(j.createdAt ?? j.updatedAt)), j.traceID ?? "-"],
                    styles: [.plain, .plain, .state(j.state)])
            }
        case .runs:
            return c.data.runs.map { r in
                let done = r.steps.values.filter { $0.status.isTerminal }.count
                return Row(
                    r.id,
                    [
                        r.id, r.workflowID, r.status.rawValue, "\(done)/\(r.steps.count)",
                        age(now.timeIntervalSince(r.createdAt ?? now)),
                    ], styles: [.plain, .plain, .state(r.status.rawValue)])
            }
        case .approvals:
            return c.data.approvals.map { a in
                let since = a.waitingSince.flatMap { try? Date($0, strategy: .iso8601) }.map { age(now.timeIntervalSince($0)) } ?? "-"
                return Row(
                    "\(a.runID)/\(a.stepID)",
                    [
                        a.runID, a.stepName.isEmpty ? a.stepID : "\(a.stepID) (\(a.stepName))",
                        a.workflowName.isEmpty ? a.workflowID : a.workflowName, since,
                    ])
            }
        case .workers:
            return c.data.workers.map { w in
                let active = Int(w.activeJobs ?? 0), capacity = Int(w.maxParallelJobs ?? 0)
                let filled = capacity > 0 ? min(10, Int((Double(active) / Double(capacity) * 10).rounded(.up))) : 0
                let bar = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: 10 - filled) + "]"
                return Row(
                    w.workerID,
                    [
                        w.workerID, w.pool ?? "-", bar, capacity > 0 ? "\(active)/\(capacity)" : "\(active)",
                        "\(Int(w.cpuLoad ?? 0))%", age(w.ageSeconds),
                    ],
                    styles: [.plain, .plain, active >= capacity && capacity > 0 ? TextStyle(.red) : TextStyle(.green)])
            }
        case .dlq:
            return c.data.deadLetters.map { e in
                let status = (e.status ?? "-").replacingOccurrences(of: "JOB_STATUS_", with: "")
                return Row(e.jobID, [e.jobID, e.topic ?? "-", status, e.reason ?? ""], styles: [.plain, .plain, .state(status)])
            }
        case .run(let id):
            guard let run = c.data.runDetails[id] else { return [] }
            func row(_ sid: String, _ s: StepRun, indent: String) -> Row {
                let duration =
                    s.startedAt.flatMap { start in s.completedAt.map { String(format: "%.1fs", $0.timeIntervalSince(start)) } } ?? "-"
                let status = s.skipped ? "skipped" : s.status.rawValue
                let detail =
                    s.approval.map { ($0.approved ? "approved" : "rejected") + ($0.reason.map { ": \($0)" } ?? "") }
                    ?? s.error?.message ?? ""
                return Row(
                    s.jobID ?? "", [indent + sid, status, s.attempts > 0 ? "\(s.attempts)" : "-", duration, detail],
                    styles: [.plain, .state(status)])
            }
            let ordered = run.steps.sorted {
                ($0.value.startedAt ?? .distantFuture, $0.key) < ($1.value.startedAt ?? .distantFuture, $1.key)
            }
            return ordered.flatMap { sid, s in
                [row(sid, s, indent: "")] + s.children.sorted { $0.key < $1.key }.map { row($0.key, $0.value, indent: "  ") }
            }
        case .trace(let id):
            let jobs = c.data.traces[id] ?? []
            let start = jobs.compactMap { $0.createdAt }.min() ?? 0
            return jobs.map { j in
                let duration = j.createdAt.map { "\(j.updatedAt - $0)s" } ?? "-"
                return Row(
                    j.id,
                    [
                        j.id, j.labels?["step_id"] ?? "-", j.topic ?? "-", j.state, j.workerID ?? "-",
                        "+\((j.createdAt ?? start) - start)s " + duration,
                    ], styles: [.plain, .plain, .plain, .state(j.state)])
            }
        default:
            return []
        }
    }
}
