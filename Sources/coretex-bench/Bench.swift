import CoretexInfra
import CoretexProtocol
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Histogram
import Logging
import NIOCore
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `make bench`: starts a release `coretex-server dev` on free loopback ports and drives echo
/// jobs through the gateway, timing submit → result (seen on `sys.job.result`).
///
/// 1. one HTTP client, one job at a time: latency percentiles;
/// 2. many HTTP clients (keep-alive connections), then many gRPC clients, each for a fixed
///    time: jobs/s and latency under load;
/// plus Redis round trips per job, from the stack's own `coretex_redis_round_trips_total`.
@main
struct Bench {
    static func main() async throws {
        let env = ProcessInfo.processInfo.environment
        if env["BENCH_ONLY"] == "console" {  // the console's figures need no stack
            await ConsoleBench.run()
            return
        }
        let sequentialJobs = Int(env["BENCH_SEQUENTIAL_JOBS"] ?? "") ?? 2000
        let clients = Int(env["BENCH_CLIENTS"] ?? "") ?? 64
        let seconds = Int(env["BENCH_SECONDS"] ?? "") ?? 10
        let binary = env["CORETEX_SERVER"] ?? ".build/release/coretex-server"

        try await durabilitySideBySide(binary: binary, sequentialJobs: sequentialJobs, clients: clients, seconds: seconds)

        let stack = try await BenchStack.start(binary: binary)
        defer { stack.stop() }
        let results = try await ResultWatcher(natsURL: stack.natsURL)
        print("coretex bench — \(ProcessInfo.processInfo.activeProcessorCount) cores, stack, NATS, Redis and load generator on one machine")

        // Warm up (connections, scripts, JIT-free but caches).
        let connection = try await stack.submitConnection()
        for _ in 0..<200 { _ = try await results.run { try await connection.submit() } }

        let redisBefore = try await stack.redisRoundTrips()
        try await RedisStats(redis: stack.redis).reset()
        var single = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        for _ in 0..<sequentialJobs {
            single.record(try await results.run { try await connection.submit() })
        }
        let redisAfter = try await stack.redisRoundTrips()
        report("single client, HTTP, \(sequentialJobs) jobs one at a time", single, elapsed: nil)
        print(String(format: "  Redis round trips per job: %.2f", Double(redisAfter - redisBefore) / Double(sequentialJobs)))
        try await FloorBench.run(stack: stack, scriptMicros: try await stack.redisMicrosPerScript())

        let cpu = CPUAccount(server: stack.server.pid)
        var cpuBefore = cpu.sample()
        connection.close()
        let http = try await load(clients: clients, seconds: seconds, results: results) {
            let connection = try await stack.submitConnection()
            return { try await connection.submit() }
        }
        report("\(clients) HTTP clients for \(seconds) s", http.histogram, elapsed: http.elapsed)
        cpu.report(from: cpuBefore, to: cpu.sample(), jobs: http.histogram.totalCount)

        cpuBefore = cpu.sample()

        let loaded = try await stack.withGRPC { api in
            try await load(clients: clients, seconds: seconds, results: results) {
                { @Sendable in
                    var request = Coretex_V1_SubmitJobRequest()
                    request.topic = "job.echo"
                    request.prompt = "bench"
                    return try await api.submitJob(request).jobID
                }
            }
        }
        report("\(clients) gRPC clients for \(seconds) s", loaded.histogram, elapsed: loaded.elapsed)
        cpu.report(from: cpuBefore, to: cpu.sample(), jobs: loaded.histogram.totalCount)
        if env["BENCH_ONLY"] == "jobs" { return }  // for comparing two builds of the job path quickly

        try await WorkflowBench.run(stack: stack)
        await ConsoleBench.run()

        let ctx = env["CTX"] ?? ".build/release/ctx"
        if FileManager.default.isExecutableFile(atPath: ctx) {
            try await CtxBench.run(ctx: ctx, stack: stack, jobID: try await stack.submitHTTP())
        } else {
            print("\n(\(ctx) not built: skipping the ctx figures)")
        }
    }

    /// The echo path with durable delivery off (`BUS_DURABLE=false`: core NATS, as before
    /// JetStream) and on (the default), one stack after the other in this run, so the two are
    /// measured on the same machine on the same day (docs/benchmarks.md).
    static func durabilitySideBySide(binary: String, sequentialJobs: Int, clients: Int, seconds: Int) async throws {
        var rows: [(mode: String, single: Histogram<UInt64>, loaded: Histogram<UInt64>, elapsed: Double)] = []
        for durable in [false, true] {
            let stack = try await BenchStack.start(binary: binary, environment: ["BUS_DURABLE": durable ? "true" : "false"])
            defer { stack.stop() }
            let results = try await ResultWatcher(natsURL: stack.natsURL)
            let connection = try await stack.submitConnection()
            for _ in 0..<200 { _ = try await results.run { try await connection.submit() } }
            var single = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
            for _ in 0..<sequentialJobs { single.record(try await results.run { try await connection.submit() }) }
            connection.close()
            let http = try await load(clients: clients, seconds: seconds, results: results) {
                let connection = try await stack.submitConnection()
                return { try await connection.submit() }
            }
            rows.append((durable ? "durable (JetStream)" : "core NATS (BUS_DURABLE=false)", single, http.histogram, http.elapsed))
        }
        func ms(_ us: UInt64) -> String { String(format: "%.2f", Double(us) / 1000) }
        print("\ndurability side by side (\(sequentialJobs) jobs one at a time; \(clients) HTTP clients for \(seconds) s)")
        print("  mode                            single p50   single p99   jobs/s   loaded p50   loaded p99")
        for row in rows {
            let rate = Double(row.loaded.totalCount) / row.elapsed
            print(
                "  \(row.mode.padding(toLength: 30, withPad: " ", startingAt: 0))  "
                    + "\(ms(row.single.valueAtPercentile(50)).leftPadded(8)) ms  \(ms(row.single.valueAtPercentile(99)).leftPadded(8)) ms  "
                    + "\(String(format: "%6.0f", rate))  \(ms(row.loaded.valueAtPercentile(50)).leftPadded(8)) ms  "
                    + "\(ms(row.loaded.valueAtPercentile(99)).leftPadded(8)) ms")
        }
        if rows.count == 2 {
            let (off, on) = (rows[0], rows[1])
            let ratio = (Double(on.loaded.totalCount) / on.elapsed) / (Double(off.loaded.totalCount) / off.elapsed)
            let extra = Double(on.single.valueAtPercentile(50)) - Double(off.single.valueAtPercentile(50))
            print(String(format: "  durable vs core: %.0f %% of the throughput, single-client p50 %+.2f ms", ratio * 100, extra / 1000))
        }
    }

    /// `connect` gives each client its submit function (its own connection, for HTTP).
    static func load(
        clients: Int, seconds: Int, results: ResultWatcher,
        connect: @escaping @Sendable () async throws -> @Sendable () async throws -> String
    )
        async throws -> (histogram: Histogram<UInt64>, elapsed: Double)
    {
        let end = ContinuousClock.now + .seconds(seconds)
        let start = ContinuousClock.now
        let merged = try await withThrowingTaskGroup(of: Histogram<UInt64>.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    let submit = try await connect()
                    var h = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
                    while ContinuousClock.now < end { h.record(try await results.run(submit)) }
                    return h
                }
            }
            var all = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
            for try await h in group { all.add(h) }
            return all
        }
        let elapsed = ContinuousClock.now - start
        return (merged, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    static func report(_ title: String, _ h: Histogram<UInt64>, elapsed: Double?) {
        func ms(_ us: UInt64) -> String { String(format: "%.2f ms", Double(us) / 1000) }
        print("\n\(title)")
        if let elapsed {
            print(String(format: "  throughput: %.0f jobs/s (%llu jobs in %.1f s)", Double(h.totalCount) / elapsed, h.totalCount, elapsed))
        }
        print(
            "  submit→result p50 \(ms(h.valueAtPercentile(50)))  p90 \(ms(h.valueAtPercentile(90)))  "
                + "p99 \(ms(h.valueAtPercentile(99)))  max \(ms(h.max))")
    }
}

/// Waits for each job's result on `sys.job.result` (the bus, not polling).
final class ResultWatcher: Sendable {
    private let waiting = Mutex<[String: CheckedContinuation<Void, Never>]>([:])
    private let early = Mutex<Set<String>>([])
    private let bus: NATSBus

    init(natsURL: String) async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        bus = try await NATSBus.connect(url: natsURL, logger: logger)
        let subscription = try bus.subscribe(Subjects.result)
        try await bus.flush()
        Task {
            for await message in subscription {
                guard let packet = try? Coretex_Agent_V1_BusPacket(serializedBytes: message.data) else { continue }
                let id = packet.jobResult.jobID
                let continuation = self.waiting.withLock { $0.removeValue(forKey: id) }
                if let continuation { continuation.resume() } else { _ = self.early.withLock { $0.insert(id) } }
            }
        }
    }

    /// Submits and waits for the result; returns the latency in microseconds.
    func run(_ submit: @Sendable () async throws -> String) async throws -> UInt64 {
        let start = ContinuousClock.now
        let id = try await submit()
        await withCheckedContinuation { continuation in
            let done = early.withLock { $0.remove(id) != nil }
            if done { continuation.resume() } else { waiting.withLock { $0[id] = continuation } }
        }
        let elapsed = ContinuousClock.now - start
        return UInt64(elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000)
    }
}

/// The stack under test.
final class BenchStack: Sendable {
    let server: ManagedProcess
    let directory: String
    let natsPort: Int, httpPort: Int, grpcPort: Int, metricsPort: Int
    var natsURL: String { "nats://127.0.0.1:\(natsPort)" }
    /// The stack's Redis, for its statistics.
    let redis: RedisClient

    private init(
        server: ManagedProcess, directory: String, natsPort: Int, redisPort: Int, httpPort: Int, grpcPort: Int,
        metricsPort: Int
    ) {
        self.server = server
        self.directory = directory
        self.natsPort = natsPort
        self.redis = RedisClient(url: RedisURL(port: redisPort), poolSize: 1)
        self.httpPort = httpPort
        self.grpcPort = grpcPort
        self.metricsPort = metricsPort
    }

    static func start(binary: String, environment extra: [String: String] = [:]) async throws -> BenchStack {
        let directory = NSTemporaryDirectory() + "coretex-bench-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let nats = LocalServers.freePort(), redis = LocalServers.freePort(), http = LocalServers.freePort()
        let grpc = LocalServers.freePort(), metrics = LocalServers.freePort()
        var env = ProcessInfo.processInfo.environment
        for key in ["NATS_URL", "REDIS_URL", "API_KEY", "CORETEX_API_KEY", "CORETEX_SUPER_SECRET_API_TOKEN"] { env[key] = nil }
        env["GATEWAY_HTTP_ADDR"] = "127.0.0.1:\(http)"
        env["GATEWAY_GRPC_ADDR"] = "127.0.0.1:\(grpc)"
        env["GATEWAY_METRICS_ADDR"] = "127.0.0.1:\(metrics)"
        env["SCHEDULER_METRICS_ADDR"] = "127.0.0.1:\(LocalServers.freePort())"
        env["SAFETY_KERNEL_ADDR"] = "127.0.0.1:\(LocalServers.freePort())"
        env["API_RATE_LIMIT_RPS"] = "1000000"
        env["API_RATE_LIMIT_BURST"] = "1000000"
        env["WORKER_MAX_PARALLEL"] = "256"
        env["WORKFLOW_ENGINE_HTTP_ADDR"] = "127.0.0.1:\(LocalServers.freePort())"
        env["LOG_LEVEL"] = "warning"
        env.merge(extra) { _, new in new }
        let server = try ManagedProcess(
            name: "coretex-server", executable: binary,
            arguments: ["dev", "--state-dir", "\(directory)/state", "--nats-port", "\(nats)", "--redis-port", "\(redis)"],
            environment: env, logFile: "\(directory)/coretex.log")
        let stack = BenchStack(
            server: server, directory: directory, natsPort: nats, redisPort: redis, httpPort: http, grpcPort: grpc, metricsPort: metrics)
        for _ in 0..<300 {
            if let (data, _) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(http)/api/v1/workers")!),
                String(decoding: data, as: UTF8.self).contains("worker-echo")
            {
                return stack
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError("the stack did not come up; see \(directory)/coretex.log")
    }

    /// A keep-alive connection submitting echo jobs (one per concurrent client).
    func submitConnection() async throws -> SubmitConnection {
        try await SubmitConnection.connect(port: httpPort, body: #"{"topic":"job.echo","prompt":"bench"}"#)
    }

    /// Submits one echo job on a connection of its own.
    func submitHTTP() async throws -> String {
        let connection = try await submitConnection()
        defer { connection.close() }
        return try await connection.submit()
    }

    func withGRPC<T: Sendable>(_ body: @Sendable (Coretex_V1_CoretexApi.Client<HTTP2ClientTransport.Posix>) async throws -> T) async throws
        -> T
    {
        try await withGRPCClient(
            transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: grpcPort), transportSecurity: .plaintext)
        ) { client in
            try await body(Coretex_V1_CoretexApi.Client(wrapping: client))
        }
    }

    func redisRoundTrips() async throws -> Int {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(metricsPort)/metrics")!)
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n")
            .first { $0.hasPrefix("coretex_redis_round_trips_total ") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
    }

    /// Redis's own time per EVALSHA since the last `CONFIG RESETSTAT` (`INFO commandstats`).
    func redisMicrosPerScript() async throws -> Double? {
        let info = try await RedisStats(redis: redis).commandStats()
        let line = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("cmdstat_evalsha:") } ?? ""
        let field = line.split(separator: ",").first { $0.hasPrefix("usec_per_call=") }
        return field.flatMap { Double($0.dropFirst("usec_per_call=".count)) }
    }

    func stop() {
        redis.close()
        server.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
