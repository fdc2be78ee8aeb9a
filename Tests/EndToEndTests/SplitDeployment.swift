import CoretexInfra
import CoretexTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Every role as its own process, as in production, on a real nats-server and redis-server
/// in a throwaway directory: what the split-roles and chaos suites run on. Processes are
/// named, so a test can kill one (`kill9`) and start it again (`restart`) as it was.
final class SplitDeployment: @unchecked Sendable {
    let directory = NSTemporaryDirectory() + "coretex-split-\(UUID().uuidString.prefix(8))"
    let natsPort = LocalServers.freePort(), redisPort = LocalServers.freePort()
    let httpPort = LocalServers.freePort(), kernelPort = LocalServers.freePort()
    var processes: [ManagedProcess] = []
    /// The processes by name, with how each was started, for `kill9` and `restart`.
    private var named: [String: (process: ManagedProcess, start: () throws -> ManagedProcess)] = [:]
    var env = ProcessInfo.processInfo.environment

    /// `persistentRedis`: Redis with its AOF, so a restart keeps its state.
    init(persistentRedis: Bool = false) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let (directory, natsPort, redisPort) = (directory, natsPort, redisPort)
        try keep("nats-server") { try LocalServers.startNATS(port: natsPort, directory: directory) }
        try keep("redis-server") {
            try LocalServers.startRedis(port: redisPort, directory: directory, persistent: persistentRedis)
        }
        env["NATS_URL"] = "nats://127.0.0.1:\(natsPort)"
        env["REDIS_URL"] = "redis://127.0.0.1:\(redisPort)"
        env["GATEWAY_HTTP_ADDR"] = "127.0.0.1:\(httpPort)"
        env["SAFETY_KERNEL_ADDR"] = "127.0.0.1:\(kernelPort)"
        env["POOL_CONFIG_PATH"] = "\(Stack.root)/config/pools.yaml"
        env["SAFETY_POLICY_PATH"] = "\(Stack.root)/config/safety.yaml"
        env["TIMEOUT_CONFIG_PATH"] = "\(Stack.root)/config/timeouts.yaml"
        env["HEARTBEAT_INTERVAL_MS"] = "500"
        env["API_RATE_LIMIT_RPS"] = "100000"  // the load and the polling of many jobs come from one address
        env["API_RATE_LIMIT_BURST"] = "100000"
        for key in ["API_KEY", "CORETEX_API_KEY", "CORETEX_SUPER_SECRET_API_TOKEN"] { env[key] = nil }
    }

    private func keep(_ name: String, _ start: @escaping () throws -> ManagedProcess) throws {
        let process = try start()
        processes.append(process)
        named[name] = (process, start)
    }

    /// Starts `coretex-server` with `arguments` (a role and its options) as `name`.
    func start(_ name: String, _ arguments: [String], _ extra: [String: String] = [:]) throws {
        var e = env
        e["GATEWAY_GRPC_ADDR"] = "127.0.0.1:\(LocalServers.freePort())"
        e["GATEWAY_METRICS_ADDR"] = "127.0.0.1:\(LocalServers.freePort())"
        e["SCHEDULER_METRICS_ADDR"] = "127.0.0.1:\(LocalServers.freePort())"
        e.merge(extra) { _, new in new }
        let directory = directory
        try keep(name) {
            try ManagedProcess(
                name: name, executable: Stack.binary, arguments: arguments,
                environment: e, logFile: "\(directory)/\(name).log")
        }
    }

    /// `kill -9`: no shutdown of any kind.
    func kill9(_ name: String) {
        guard let process = named[name]?.process else { return }
        process.signal(SIGKILL)
        _ = process.waitForExit(timeout: 5)
    }

    /// Stops `name` the polite way (SIGTERM).
    func stop(_ name: String) { named[name]?.process.stop() }

    /// Starts `name` again as it was first started (same arguments, environment and ports;
    /// its log goes on in the same file).
    func restart(_ name: String) throws {
        guard let entry = named[name] else { return }
        let process = try entry.start()
        processes.append(process)
        named[name] = (process, entry.start)
    }

    func submit(_ body: String) async throws -> String {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(httpPort)/api/v1/jobs")!)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        let (data, _) = try await URLSession.shared.data(for: request)
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["job_id"] as? String ?? ""
    }

    func detail(_ id: String) async -> [String: Any] {
        guard let (data, _) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(httpPort)/api/v1/jobs/\(id)")!)
        else { return [:] }
        return (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    func log(_ name: String) -> String { (try? String(contentsOfFile: "\(directory)/\(name).log", encoding: .utf8)) ?? "" }

    /// Waits until the gateway listens and every scheduler has subscribed: a job published
    /// before any scheduler listens would wait PENDING for nobody.
    func ready(schedulers: [String]) async -> Bool {
        await eventually(timeout: .seconds(20)) {
            LocalServers.canConnect(port: self.httpPort) && schedulers.allSatisfy { self.log($0).contains("scheduler started") }
        }
    }

    deinit {
        for p in processes.reversed() { p.stop() }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
