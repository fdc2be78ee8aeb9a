import ArgumentParser
import CoretexClient
import CoretexProtocol
import Foundation
import SwiftProtobuf

struct StreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract: "Tail the live event stream: job requests, results, heartbeats and alerts.",
        discussion: """
            Filters run in the gateway, so a filtered tail costs nothing for the rest. The stream \
            reconnects on its own and says so on stderr, and reports events the gateway had to \
            drop for this client (STREAM_GAP).

            Examples:
              ctx stream --kind result
              ctx stream --job 7f3c… -o jsonl | jq .jobResult.status
              ctx stream --no-heartbeats --topic job.chat
            """)

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case request, result, heartbeat, alert
        var wire: String {
            switch self {
            case .request: "jobRequest"
            case .result: "jobResult"
            case .heartbeat: "heartbeat"
            case .alert: "alert"
            }
        }
    }

    @Option(help: "Only job requests on topics with this prefix.") var topic: String?
    @Option(name: .customLong("job"), help: "Only events of this job.") var jobID: String?
    @Option(name: .customLong("trace"), help: "Only events of this trace.") var traceID: String?
    @Option(name: .customLong("kind"), help: "Only these kinds (repeatable): request, result, heartbeat, alert.")
    var kinds: [Kind] = []
    @Flag(name: .customLong("no-heartbeats"), help: "Leave out worker heartbeats.") var noHeartbeats = false
    @Option(help: "Stop after this many events.") var count: Int?
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
    }

    func run() async throws {
        var filter = EventStream.Filter()
        var kinds = Set(kinds.isEmpty ? Kind.allCases : kinds)
        if noHeartbeats { kinds.remove(.heartbeat) }
        if kinds.count < Kind.allCases.count { filter.types = Kind.allCases.filter(kinds.contains).map(\.wire) }
        filter.topic = topic
        filter.jobID = jobID
        filter.traceID = traceID
        let endpoint = try global.endpoint()
        // Fail fast with the usual message when the gateway is down or the key is wrong,
        // instead of retrying the WebSocket forever.
        _ = try await GatewayClient(endpoint).status()
        let printer = Printer(output)
        var seen = 0
        var announcedDrop = false
        for await message in EventStream(endpoint, filter: filter).messages() {
            switch message {
            case .connected:
                if announcedDrop { Out.error("ctx: stream reconnected; events sent meanwhile were missed") }
                announcedDrop = false
            case .disconnected(let reason, let retry):
                if !announcedDrop { Out.error("ctx: stream disconnected (\(reason)); reconnecting every \(retry)…") }
                announcedDrop = true
            case .packet(let packet):
                if case .alert(let alert)? = packet.payload, alert.code == "STREAM_GAP" {
                    Out.error("ctx: \(alert.message)")
                }
                try emit(packet, printer)
                seen += 1
                if let count, seen >= count { return }
            }
        }
    }

    private func emit(_ packet: Coretex_Agent_V1_BusPacket, _ printer: Printer) throws {
        switch printer.format {
        case .table, .wide:
            Out.line(StreamLine.text(packet, style: printer.style))
        case .json, .jsonl:
            var options = JSONEncodingOptions()
            options.alwaysPrintEnumsAsInts = false
            Out.line(try packet.jsonString(options: options))
        case .yaml:
            let json = try JSONValue.parse(Data(packet.jsonString().utf8)) ?? .null
            Out.line("---\n" + (try Printer.encode(json, .yaml)))
        }
    }
}

/// One human line per bus packet: time, kind, and what matters about it.
enum StreamLine {
    static func text(_ p: Coretex_Agent_V1_BusPacket, style: Style) -> String {
        let date = p.hasCreatedAt ? p.createdAt.date : Date()
        let time = date.formatted(
            .dateTime.hour(.twoDigits(amPM: .omitted)).minute(.twoDigits).second(.twoDigits).secondFraction(.fractional(3)))
        func row(_ kind: String, _ colour: Style.Colour?, _ rest: String) -> String {
            "\(time)  \(style.paint(kind.padding(toLength: 9, withPad: " ", startingAt: 0), colour)) \(rest)"
        }
        switch p.payload {
        case .jobRequest(let r)?:
            return row(
                "request", .blue, "\(r.jobID)  \(r.topic)  trace=\(p.traceID)" + (r.tenantID.isEmpty ? "" : "  tenant=\(r.tenantID)"))
        case .jobResult(let r)?:
            let status = JobStatusText.name(r.status)
            var line = "\(r.jobID)  \(style.paint(status, Style.colour(forState: status)))"
            if !r.workerID.isEmpty { line += "  worker=\(r.workerID)" }
            if r.executionMs > 0 { line += "  \(r.executionMs)ms" }
            if !r.errorMessage.isEmpty { line += "  error=\"\(r.errorMessage)\"" }
            return row("result", .green, line)
        case .heartbeat(let h)?:
            return row("heartbeat", .grey, "\(h.workerID)  pool=\(h.pool)  \(h.activeJobs)/\(h.maxParallelJobs)  cpu=\(Int(h.cpuLoad))%")
        case .alert(let a)?:
            return row("alert", .red, "\(a.level) \(a.code) \(a.component): \(a.message)")
        case nil:
            return row("unknown", nil, "sender=\(p.senderID)")
        }
    }
}

/// `JOB_STATUS_SUCCEEDED` → `SUCCEEDED`.
enum JobStatusText {
    static func name(_ status: Coretex_Agent_V1_JobStatus) -> String {
        switch status {
        case .pending: "PENDING"
        case .scheduled: "SCHEDULED"
        case .dispatched: "DISPATCHED"
        case .running: "RUNNING"
        case .succeeded: "SUCCEEDED"
        case .failed: "FAILED"
        case .cancelled: "CANCELLED"
        case .denied: "DENIED"
        case .timeout: "TIMEOUT"
        default: "UNKNOWN"
        }
    }
}
