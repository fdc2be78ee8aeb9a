import Foundation

/// Everything the control plane's roles read from the environment, typed. Each value is read
/// through its entry in `ConfigVariable.all` (the table behind docs/configuration.md); roles
/// receive these settings and read no environment themselves.
public struct Settings: Sendable, Equatable {
    public var natsURL: String
    public var busDurable: Bool
    public var jetStreamReplicas: Int
    public var redisURL: String
    /// Redis connections per process. Concurrent commands share a connection's writes, so
    /// more connections help only when one is saturated.
    public var redisPoolSize: Int
    public var logLevel: String
    public var dataTTL: Int
    public var metaTTL: Int

    public var gatewayHTTPAddr: String
    public var gatewayGRPCAddr: String
    public var gatewayMetricsAddr: String
    /// `SCHEDULER_METRICS_ADDR` lets several stacks share a host.
    public var schedulerMetricsAddr: String
    public var safetyKernelAddr: String
    /// Where the context engine listens (its role) and where remote workers dial it.
    public var contextEngineAddr: String
    public var workflowEngineHTTPAddr: String

    public var poolConfigPath: String
    public var timeoutConfigPath: String
    public var safetyPolicyPath: String

    public var apiKey: String?
    public var tenantID: String
    public var rateLimitRPS: Int
    public var rateLimitBurst: Int
    public var maxBodyBytes: Int
    /// Seconds an HTTP connection may send nothing before the gateway closes it.
    public var apiIdleTimeout: Double

    public var safetyKernelWaitSeconds: Int
    /// Seconds a silent worker counts as alive.
    public var workerTTL: Double
    public var jobMaxAttempts: Int

    public var workflowScanInterval: Double
    public var workflowScanLimit: Int
    public var workflowRunTTL: Int

    public var workerID: String?
    public var workerLabels: String?
    public var workerMaxParallel: Int?
    public var heartbeatIntervalMs: Int
    public var echoDelayMs: Int
    public var usePlanner: Bool
    public var plannerTopic: String

    public var ollamaURL: String
    public var ollamaModel: String
    public var ollamaTimeoutSeconds: Int
    public var ollamaRetries: Int
    public var memoryTTLSeconds: Int
    public var memoryMaxEvents: Int

    public var repoMaxBytes: Int
    public var repoMaxFileBytes: Int
    public var repoCloneTimeoutSeconds: Int
    /// nil when `REPO_LOCAL_ROOTS` is not set (`dev` then allows $HOME and the temp dir).
    public var repoLocalRoots: [String]?
    public var repoTestAllowlist: [String]?
    public var repoReviewMaxFiles: Int
    public var repoReviewBatchSize: Int
    public var repoReviewMaxBatches: Int
    public var repoReviewParallel: Int
    public var repoReviewTestCommand: String
    public var sastRulesPath: String
    public var sastRulesPaths: [String]

    /// Whether `NATS_URL` / `REDIS_URL` were given: `dev` starts its own servers otherwise.
    public var natsURLGiven: Bool
    public var redisURLGiven: Bool

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        typealias V = ConfigVariable
        let env = ConfigReader(environment)
        // Every variable read this way has a default in the table (ConfigTests checks it).
        func text(_ v: V) -> String { env.text(v) ?? "" }
        func integer(_ v: V, atLeast minimum: Int = 1) -> Int { env.integer(v, atLeast: minimum) ?? 0 }

        natsURL = text(V.natsURL)
        busDurable = env.flag(V.busDurable)
        jetStreamReplicas = integer(V.jetStreamReplicas)
        redisURL = text(V.redisURL)
        redisPoolSize = min(integer(V.redisPoolSize), 64)
        logLevel = text(V.logLevel)
        dataTTL = Self.ttl(env, V.redisDataTTL, seconds: V.redisDataTTLSeconds)
        metaTTL = Self.ttl(env, V.jobMetaTTL, seconds: V.jobMetaTTLSeconds)

        gatewayHTTPAddr = text(V.gatewayHTTPAddr)
        gatewayGRPCAddr = text(V.gatewayGRPCAddr)
        gatewayMetricsAddr = text(V.gatewayMetricsAddr)
        schedulerMetricsAddr = text(V.schedulerMetricsAddr)
        safetyKernelAddr = text(V.safetyKernelAddr)
        contextEngineAddr = text(V.contextEngineAddr)
        workflowEngineHTTPAddr = text(V.workflowEngineHTTPAddr)

        poolConfigPath = text(V.poolConfigPath)
        timeoutConfigPath = text(V.timeoutConfigPath)
        safetyPolicyPath = text(V.safetyPolicyPath)

        apiKey = env.first(of: [V.superSecretAPIToken, V.coretexAPIKey, V.apiKey], Self.normalizeKey)
        tenantID = text(V.tenantID)
        rateLimitRPS = integer(V.rateLimitRPS)
        rateLimitBurst = integer(V.rateLimitBurst)
        maxBodyBytes = integer(V.maxBodyBytes)
        apiIdleTimeout = env.duration(V.apiIdleTimeout) ?? 10

        // A negative wait means none, as a negative retry count means no retries.
        safetyKernelWaitSeconds =
            env.raw(V.safetyKernelWaitSeconds).flatMap { Int($0) }.map { max($0, 0) }
            ?? integer(V.safetyKernelWaitSeconds, atLeast: 0)
        workerTTL = Double(integer(V.workerTTLMs)) / 1000
        jobMaxAttempts = integer(V.jobMaxAttempts)

        workflowScanInterval = env.duration(V.workflowScanInterval) ?? 0
        workflowScanLimit = integer(V.workflowScanLimit)
        workflowRunTTL = integer(V.workflowRunTTL)

        workerID = env.text(V.workerID)
        workerLabels = env.text(V.workerLabels)
        workerMaxParallel = env.integer(V.workerMaxParallel)
        heartbeatIntervalMs = integer(V.heartbeatIntervalMs)
        echoDelayMs = integer(V.echoDelayMs, atLeast: 0)
        usePlanner = env.flag(V.usePlanner)
        plannerTopic = text(V.plannerTopic)

        ollamaURL = text(V.ollamaURL)
        ollamaModel = text(V.ollamaModel)
        ollamaTimeoutSeconds = integer(V.ollamaTimeoutSeconds)
        ollamaRetries = env.raw(V.ollamaRetries).flatMap { Int($0) }.map { max($0, 0) } ?? integer(V.ollamaRetries, atLeast: 0)
        memoryTTLSeconds = integer(V.memoryTTLSeconds)
        memoryMaxEvents = integer(V.memoryMaxEvents)

        repoMaxBytes = integer(V.repoMaxBytes)
        repoMaxFileBytes = integer(V.repoMaxFileBytes)
        repoCloneTimeoutSeconds = integer(V.repoCloneTimeoutSeconds)
        // Present but empty means none: no local sources, or no test command allowed.
        repoLocalRoots = env.isPresent(V.repoLocalRoots) ? (env.list(V.repoLocalRoots, separator: ":") ?? []) : nil
        repoTestAllowlist = env.isSet(V.repoTestAllowlist) ? (env.list(V.repoTestAllowlist, separator: ";") ?? []) : nil
        repoReviewMaxFiles = integer(V.repoReviewMaxFiles)
        repoReviewBatchSize = integer(V.repoReviewBatchSize)
        repoReviewMaxBatches = integer(V.repoReviewMaxBatches)
        repoReviewParallel = integer(V.repoReviewParallel)
        repoReviewTestCommand = text(V.repoReviewTestCommand)
        sastRulesPath = text(V.sastRulesPath)
        sastRulesPaths = env.list(V.sastRulesPaths, separator: ":") ?? []

        natsURLGiven = env.isSet(V.natsURL)
        redisURLGiven = env.isSet(V.redisURL)
    }

    /// API keys tolerate quoting from `.env` files: trim, strip quotes, trim again.
    public static func normalizeKey(_ raw: String) -> String {
        raw.trimmingCharacters(in: .whitespacesAndNewlines)
            .trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The duration form wins over the seconds form when both are valid; values under a
    /// second are ignored.
    static func ttl(_ env: ConfigReader, _ duration: ConfigVariable, seconds: ConfigVariable) -> Int {
        if let given = env.raw(duration).flatMap(GoDuration.seconds), given >= 1 { return Int(given) }
        return env.integer(seconds) ?? Int(env.duration(duration, atLeast: 1) ?? 0)
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
