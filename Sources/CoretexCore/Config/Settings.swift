import Foundation

/// The environment variables every role reads (docs/configuration.md),
/// with their defaults, read from a dictionary so tests can pass their own.
public struct Settings: Sendable, Equatable {
    public var natsURL: String
    public var redisURL: String
    public var safetyKernelAddr: String
    /// Where the context engine listens (its role) and where remote workers dial it.
    public var contextEngineAddr: String
    public var poolConfigPath: String
    public var timeoutConfigPath: String
    public var safetyPolicyPath: String
    public var gatewayHTTPAddr: String
    public var gatewayGRPCAddr: String
    public var gatewayMetricsAddr: String
    /// `:9090` by default; `SCHEDULER_METRICS_ADDR` lets several stacks share a host.
    public var schedulerMetricsAddr: String
    public var apiKey: String?
    public var tenantID: String
    public var rateLimitRPS: Int
    public var rateLimitBurst: Int
    public var dataTTL: Int
    public var metaTTL: Int
    public var workerID: String?
    /// Largest accepted request body (`API_MAX_BODY_BYTES`, 2 MiB by default).
    public var maxBodyBytes: Int
    /// Redis connections per process (`REDIS_POOL_SIZE`, 2, at most 64). Concurrent commands
    /// share a connection's writes, so more connections help only when one is saturated.
    public var redisPoolSize: Int

    public init(environment env: [String: String] = ProcessInfo.processInfo.environment) {
        func value(_ name: String) -> String? {
            guard let v = env[name]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        func positive(_ name: String, _ fallback: Int) -> Int {
            guard let v = value(name).flatMap(Int.init), v > 0 else { return fallback }
            return v
        }
        natsURL = value("NATS_URL") ?? "nats://localhost:4222"
        redisURL = value("REDIS_URL") ?? "redis://localhost:6379"
        safetyKernelAddr = value("SAFETY_KERNEL_ADDR") ?? "localhost:50051"
        contextEngineAddr = value("CONTEXT_ENGINE_ADDR") ?? ":50070"
        poolConfigPath = value("POOL_CONFIG_PATH") ?? "config/pools.yaml"
        timeoutConfigPath = value("TIMEOUT_CONFIG_PATH") ?? "config/timeouts.yaml"
        safetyPolicyPath = value("SAFETY_POLICY_PATH") ?? "config/safety.yaml"
        gatewayHTTPAddr = value("GATEWAY_HTTP_ADDR") ?? ":8081"
        gatewayGRPCAddr = value("GATEWAY_GRPC_ADDR") ?? ":8080"
        gatewayMetricsAddr = value("GATEWAY_METRICS_ADDR") ?? ":9092"
        schedulerMetricsAddr = value("SCHEDULER_METRICS_ADDR") ?? ":9090"
        apiKey = ["CORETEX_SUPER_SECRET_API_TOKEN", "CORETEX_API_KEY", "API_KEY"]
            .lazy.compactMap { env[$0].map(Self.normalizeKey) }.first { !$0.isEmpty }
        tenantID = value("TENANT_ID") ?? "default"
        rateLimitRPS = positive("API_RATE_LIMIT_RPS", 50)
        rateLimitBurst = positive("API_RATE_LIMIT_BURST", 100)
        dataTTL = Self.ttl(env, seconds: "REDIS_DATA_TTL_SECONDS", duration: "REDIS_DATA_TTL") ?? 24 * 3600
        metaTTL = Self.ttl(env, seconds: "JOB_META_TTL_SECONDS", duration: "JOB_META_TTL") ?? 7 * 24 * 3600
        workerID = value("WORKER_ID")
        maxBodyBytes = positive("API_MAX_BODY_BYTES", 2 * 1024 * 1024)
        redisPoolSize = min(positive("REDIS_POOL_SIZE", 2), 64)
    }

    /// API keys tolerate quoting from `.env` files: trim, strip quotes, trim again.
    public static func normalizeKey(_ raw: String) -> String {
        raw.trimmingCharacters(in: .whitespacesAndNewlines)
            .trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The duration form wins over the seconds form when both are valid; non-positive values
    /// are ignored.
    static func ttl(_ env: [String: String], seconds: String, duration: String) -> Int? {
        if let d = env[duration].flatMap(GoDuration.seconds), d >= 1 { return Int(d) }
        if let s = env[seconds].flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), s > 0 { return s }
        return nil
    }
}

/// A listen or dial address: `host:port`, `:port` (all interfaces) or `port`.
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses an address; `defaultHost` fills an empty host (`:8081`).
    public init?(_ text: String, defaultHost: String = "0.0.0.0") {
        var text = text.trimmingCharacters(in: .whitespaces)
        if let scheme = text.range(of: "://") { text = String(text[scheme.upperBound...]) }
        guard let colon = text.lastIndex(of: ":") else {
            guard let port = Int(text) else { return nil }
            self.init(host: defaultHost, port: port)
            return
        }
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host.isEmpty { host = defaultHost }
        if host == "localhost" { host = "127.0.0.1" }
        self.init(host: host, port: port)
    }

    public var description: String { "\(host):\(port)" }
}
