import ArgumentParser
import CoretexClient
import CoretexProtocol

struct WorkersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workers", abstract: "List live workers: pool, load, capacity and heartbeat age.")

    @Option(help: "Only workers of this pool.") var pool: String?
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        var workers = try await global.client().workers().sorted { ($0.pool ?? "", $0.workerID) < ($1.pool ?? "", $1.workerID) }
        if let pool { workers = workers.filter { $0.pool == pool } }
        let printer = Printer(output)
        if output.output.isMachine { return try printer.list(workers) }
        if workers.isEmpty { return Out.error("no live workers") }
        var t = Table([
            .init(header: "WORKER", flexible: true, minWidth: 10), .init(header: "POOL", flexible: true),
            .init(header: "ACTIVE"), .init(header: "LOAD"), .init(header: "CPU"), .init(header: "SEEN"),
            .init(header: "TYPE", wideOnly: true), .init(header: "LABELS", flexible: true, wideOnly: true),
        ])
        for w in workers {
            let active = Int(w.activeJobs ?? 0)
            let capacity = Int(w.maxParallelJobs ?? 0)
            t.add([
                .init(w.workerID), .init(w.pool ?? "-"), .init(capacity > 0 ? "\(active)/\(capacity)" : "\(active)"),
                .init(Self.bar(active, capacity), active >= capacity && capacity > 0 ? .red : nil),
                .init("\(Int(w.cpuLoad ?? 0))%"), .init(TimeText.age(seconds: w.ageSeconds)),
                .init(w.type ?? "-"),
                .init((w.labels ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")),
            ])
        }
        printer.table(t)
    }

    /// `[###.......]`: active jobs against capacity.
    static func bar(_ active: Int, _ capacity: Int, width: Int = 10) -> String {
        guard capacity > 0 else { return "-" }
        let filled = min(width, Int((Double(active) / Double(capacity) * Double(width)).rounded(.up)))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Health of the gateway and what it depends on; exit 1 if anything is down.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let endpoint = try global.endpoint()
        let status = try await GatewayClient(endpoint).status()
        let printer = Printer(output)
        if output.output.isMachine {
            try printer.value(status)
        } else {
            var t = Table([.init(header: "COMPONENT"), .init(header: "STATUS"), .init(header: "DETAIL", flexible: true)])
            func row(_ name: String, _ ok: Bool, _ detail: String) {
                t.add([.init(name), .init(ok ? "ok" : "down", ok ? .green : .red), .init(detail)])
            }
            row("gateway", true, "\(endpoint.url), up \(TimeText.age(seconds: Double(status.uptimeSeconds)))")
            row("nats", status.nats.connected, "\(status.nats.url) \(status.nats.status)")
            row("redis", status.redis.ok, status.redis.ok ? "" : status.redis.error)
            if let s = status.scheduler { row("scheduler", s.ok, s.detail) }
            if let k = status.safetyKernel { row("safety-kernel", k.ok, k.detail) }
            row("workers", status.workers.count > 0, "\(status.workers.count) live")
            printer.table(t)
        }
        let down = !status.nats.connected || !status.redis.ok || status.scheduler?.ok == false || status.safetyKernel?.ok == false
        if down { throw CtxError.reported(.error) }
    }
}
