import CoretexInfra
import CoretexTestSupport
import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A running `coretex-server dev` on free loopback ports, with its own nats-server and
/// redis-server (started by the binary itself, or by the test when it needs to restart them).
final class Stack: @unchecked Sendable {
    static let root = #filePath.components(separatedBy: "/Tests/")[0]
    static var binary: String { "\(root)/.build/debug/coretex-server" }

    let directory: String
    let natsPort = LocalServers.freePort()
    let redisPort = LocalServers.freePort()
    let httpPort = LocalServers.freePort()
    let metricsPort = LocalServers.freePort()
    let schedulerMetricsPort = LocalServers.freePort()
    let apiKey: String?
    private(set) var server: ManagedProcess?
    private var serverEnvironment: [String: String] = [:]
    /// Servers the test started itself (so it can restart them); nil when the stack started its own.
    var externalNATS: ManagedProcess?
    var externalRedis: ManagedProcess?

    var base: String { "http://127.0.0.1:\(httpPort)" }
    var natsURL: String { "nats://127.0.0.1:\(natsPort)" }
    var logFile: String { "\(directory)/coretex.log" }

    /// - Parameters:
    ///   - ownServers: the test starts nats/redis and passes NATS_URL/REDIS_URL (to restart them later).
    ///   - timeouts: contents of a timeouts.yaml to use instead of the shipped one.
    init(
        apiKey: String? = "test-key", ownServers: Bool = false, timeouts: String? = nil,
        environment extra: [String: String] = [:]
    ) throws {
        directory = NSTemporaryDirectory() + "coretex-e2e-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.apiKey = apiKey
        var env = ProcessInfo.processInfo.environment
        for key in ["NATS_URL", "REDIS_URL", "API_KEY", "CORETEX_API_KEY", "CORETEX_SUPER_SECRET_API_TOKEN"] {
            env[key] = nil
        }
        env["GATEWAY_HTTP_ADDR"] = "127.0.0.1:\(httpPort)"
        env["GATEWAY_GRPC_ADDR"] = "127.0.0.1:\(LocalServers.freePort())"
        env["GATEWAY_METRICS_ADDR"] = "127.0.0.1:\(metricsPort)"
        env["SCHEDULER_METRICS_ADDR"] = "127.0.0.1:\(schedulerMetricsPort)"
        env["SAFETY_KERNEL_ADDR"] = "127.0.0.1:\(LocalServers.freePort())"
        env["POOL_CONFIG_PATH"] = "\(Self.root)/config/pools.yaml"
        env["SAFETY_POLICY_PATH"] = "\(Self.root)/config/safety.yaml"
        env["TIMEOUT_CONFIG_PATH"] = "\(Self.root)/config/timeouts.yaml"
        env["SAST_RULES_PATH"] = "\(Self.root)/config/sast-rules.yaml"
        env["API_RATE_LIMIT_RPS"] = "1000"
        env["API_RATE_LIMIT_BURST"] = "1000"
        env["HEARTBEAT_INTERVAL_MS"] = "500"
        env["WORKFLOW_ENGINE_HTTP_ADDR"] = "127.0.0.1:\(LocalServers.freePort())"
        env["WORKFLOW_ENGINE_SCAN_INTERVAL"] = "1s"
        if let timeouts {
            let path = "\(directory)/timeouts.yaml"
            try timeouts.write(toFile: path, atomically: true, encoding: .utf8)
            env["TIMEOUT_CONFIG_PATH"] = path
        }
        if let apiKey { env["API_KEY"] = apiKey }
        if ownServers {
            externalNATS = try LocalServers.startNATS(port: natsPort, directory: directory)
            externalRedis = try LocalServers.startRedis(port: redisPort, directory: directory)
            env["NATS_URL"] = natsURL
            env["REDIS_URL"] = "redis://127.0.0.1:\(redisPort)"
        }
        env.merge(extra) { _, new in new }
        serverEnvironment = env
        try startServer()
    }

    private func startServer() throws {
        server = try ManagedProcess(
            name: "coretex-server", executable: Self.binary,
            arguments: ["dev", "--state-dir", "\(directory)/state", "--nats-port", "\(natsPort)", "--redis-port", "\(redisPort)"],
            environment: serverEnvironment, logFile: logFile)
    }

    /// Stops `coretex-server` (and the nats/redis it started itself) as a crash of the
    /// gateway's host would; `restartServer()` brings it back.
    func stopServer() {
        server?.stop(grace: 10)
    }

    /// `kill -9` of `coretex-server dev`, then the same command again on the same state
    /// directory: the nats-server and redis-server the killed process started are left
    /// running, as after any crash of their parent, and the new run stops them first.
    func crashAndStartServer() async throws {
        server?.signal(SIGKILL)
        _ = server?.waitForExit(timeout: 10)
        try startServer()
        // The killed worker's id stays claimed until its claim expires: the new one takes the next.
        _ = try await ready(worker: "worker-echo-")
    }

    /// Stops `coretex-server` (not the test's own NATS/Redis) and starts it again on the
    /// same ports, as an operator restarting the gateway would.
    func restartServer() async throws {
        server?.stop(grace: 10)
        try startServer()
        _ = try await ready()
    }

    /// Waits until the gateway answers and a worker has announced itself.
    func ready(worker: String = "worker-echo-1") async throws -> Self {
        let up = await eventually(timeout: .seconds(30)) {
            guard let (status, body) = try? await self.get("/api/v1/workers") else { return false }
            return status == 200 && body.contains(worker)
        }
        guard up else { throw StackError("stack did not come up; log:\n\(log)") }
        return self
    }

    var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    func stop() {
        server?.stop(grace: 10)
        externalNATS?.stop()
        externalRedis?.stop()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - HTTP

    func request(_ method: String, _ path: String, body: Data? = nil, key: String?? = nil) async throws -> (Int, String) {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.httpBody = body
        if let key = key ?? apiKey { request.setValue(key, forHTTPHeaderField: "X-API-Key") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, String(decoding: data, as: UTF8.self))
    }

    func get(_ path: String, key: String?? = nil) async throws -> (Int, String) {
        try await request("GET", path, key: key)
    }

    func post(_ path: String, json: String, key: String?? = nil) async throws -> (Int, String) {
        try await request("POST", path, body: Data(json.utf8), key: key)
    }

    /// GET returning parsed JSON; fails the test on a non-200.
    func json(_ path: String) async throws -> [String: Any] {
        let (status, body) = try await get(path)
        guard status == 200 else { throw StackError("GET \(path) → \(status): \(body)") }
        return try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] ?? [:]
    }

    func jsonArray(_ path: String) async throws -> [[String: Any]] {
        let (status, body) = try await get(path)
        guard status == 200 else { throw StackError("GET \(path) → \(status): \(body)") }
        return try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]] ?? []
    }

    /// Submits a job and returns (job_id, trace_id).
    func submit(_ json: String) async throws -> (String, String) {
        let (status, body) = try await post("/api/v1/jobs", json: json)
        guard status == 200, let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let id = object["job_id"] as? String, let trace = object["trace_id"] as? String
        else { throw StackError("submit → \(status): \(body)") }
        return (id, trace)
    }

    /// Polls the job until it is in `state`; returns its detail.
    func waitFor(_ id: String, state: String, timeout: Duration = .seconds(20)) async throws -> [String: Any] {
        var last: [String: Any] = [:]
        let reached = await eventually(timeout: timeout) {
            last = (try? await self.json("/api/v1/jobs/\(id)")) ?? [:]
            return last["state"] as? String == state
        }
        guard reached else { throw StackError("job \(id) never reached \(state); last: \(last)\nlog:\n\(log.suffix(3000))") }
        return last
    }

    func metrics(port: Int? = nil) async throws -> String {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port ?? metricsPort)/metrics")!)
        return String(decoding: data, as: UTF8.self)
    }
}

struct StackError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
