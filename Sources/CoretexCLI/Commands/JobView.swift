import CoretexProtocol
import Foundation

/// How jobs look in tables and in `job get`.
enum JobView {
    static func table(_ records: [JobRecord], now: Date = Date()) -> Table {
        var t = Table([
            .init(header: "ID", flexible: true, minWidth: 8),
            .init(header: "TOPIC", flexible: true, minWidth: 8),
            .init(header: "STATE"),
            .init(header: "WORKER", flexible: true),
            .init(header: "AGE"),
            .init(header: "DURATION"),
            .init(header: "TRACE", flexible: true, minWidth: 8),
            .init(header: "TENANT", wideOnly: true),
            .init(header: "SAFETY", flexible: true, wideOnly: true),
        ])
        for r in records {
            t.add([
                .init(r.id), .init(r.topic ?? "-"), .init(r.state, Style.colour(forState: r.state)),
                .init(r.workerID ?? "-"), .init(TimeText.age(since: r.createdAt ?? r.updatedAt, now: now)),
                .init(duration(r)), .init(r.traceID ?? "-"), .init(r.tenant ?? "-"),
                .init([r.safetyDecision, r.safetyReason].compactMap { $0 }.joined(separator: ": ")),
            ])
        }
        return t
    }

    static func duration(_ r: JobRecord) -> String {
        guard JobWaiter.finalStates.contains(r.state), let created = r.createdAt else { return "-" }
        return TimeText.duration(seconds: Double(max(0, r.updatedAt - created)))
    }

    /// kubectl-describe style: fields, labels, history, then the context and result JSON.
    static func describe(_ d: JobDetail, printer: Printer) {
        let style = printer.style
        var lines: [String] = []
        func field(_ name: String, _ value: String?) {
            guard let value, !value.isEmpty else { return }
            lines.append(style.paint(name + ":", .bold) + String(repeating: " ", count: max(1, 12 - name.count)) + value)
        }
        field("Job", d.id)
        field("State", style.paint(d.state, Style.colour(forState: d.state)))
        field("Topic", d.topic)
        field("Tenant", d.tenant)
        field("Worker", d.workerID)
        field("Trace", d.traceID)
        field("Memory", d.memoryID)
        field("Safety", [d.safetyDecision, d.safetyReason].filter { !$0.isEmpty }.joined(separator: ": "))
        field("Error", d.errorMessage)
        field("Context", d.contextPtr)
        field("Result", d.resultPtr)
        if let labels = d.labels, !labels.isEmpty {
            field("Labels", labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        }
        if !d.events.isEmpty {
            lines.append(style.paint("History:", .bold))
            let start = d.events.first!.at
            for e in d.events {
                lines.append(
                    "  +\(TimeText.age(seconds: Double(e.at - start)).padding(toLength: 6, withPad: " ", startingAt: 0)) "
                        + style.paint(e.state, Style.colour(forState: e.state)))
            }
        }
        if let result = d.result {
            lines.append(style.paint("Result JSON:", .bold))
            lines += ((try? Printer.encode(result, .json)) ?? "").split(separator: "\n").map { "  " + $0 }
        }
        Out.lines(lines)
    }
}
