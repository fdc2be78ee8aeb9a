/// One environment variable of the control plane. `ConfigVariable.all` is the only place a
/// variable is declared: `Settings` reads every value through it, and the environment section
/// of `coretex-server --help` and `docs/configuration.md` are generated from it.
public struct ConfigVariable: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case text, integer, flag, duration, seconds, milliseconds, bytes, address, url, path, list, secret
    }

    /// The roles of `coretex-server` that read a variable.
    public enum Role: String, Sendable, CaseIterable {
        case gateway, scheduler, safetyKernel = "safety-kernel", workflowEngine = "workflow-engine"
        case contextEngine = "context-engine", worker, dev
    }

    public let name: String
    public let kind: Kind
    /// The default as an operator would write it; empty when there is none. Readers parse it
    /// like a value from the environment, so the default is written here only.
    public let defaultValue: String
    public let doc: String
    public let roles: [Role]

    init(_ name: String, _ kind: Kind, _ defaultValue: String, _ roles: [Role], _ doc: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.doc = doc
        self.roles = roles
    }
}

extension ConfigVariable {
    static let onBus: [Role] = [.gateway, .scheduler, .workflowEngine, .worker, .dev]

    // Connections
    public static let natsURL = Self("NATS_URL", .url, "nats://localhost:4222", onBus, "NATS server the roles connect to.")
    public static let redisURL = Self(
        "REDIS_URL", .url, "redis://localhost:6379", onBus + [.contextEngine],
        "Redis server (`redis://[:password@]host:port[/db]`, `rediss://` for TLS).")
    public static let busDurable = Self(
        "BUS_DURABLE", .flag, "true", onBus,
        "Submissions, dispatches and results go through JetStream streams (docs/durability.md); `false`: core NATS only.")
    public static let jetStreamReplicas = Self(
        "JETSTREAM_REPLICAS", .integer, "1", onBus, "Copies a NATS cluster keeps of each stream (1 on one server).")
    public static let redisPoolSize = Self(
        "REDIS_POOL_SIZE", .integer, "2", onBus, "Redis connections per process (at most 64).")
    public static let logLevel = Self(
        "LOG_LEVEL", .text, "info", Role.allCases, "trace, debug, info, notice, warning, error or critical.")

    // Retention
    public static let redisDataTTL = Self(
        "REDIS_DATA_TTL", .duration, "24h", onBus, "How long contexts and results (`ctx:`, `res:`) are kept.")
    public static let redisDataTTLSeconds = Self(
        "REDIS_DATA_TTL_SECONDS", .seconds, "", onBus, "`REDIS_DATA_TTL` in seconds; the duration form wins.")
    public static let jobMetaTTL = Self(
        "JOB_META_TTL", .duration, "168h", onBus, "How long a job's record, events and indexes are kept.")
    public static let jobMetaTTLSeconds = Self(
        "JOB_META_TTL_SECONDS", .seconds, "", onBus, "`JOB_META_TTL` in seconds; the duration form wins.")

    // Listen and dial addresses
    public static let gatewayHTTPAddr = Self(
        "GATEWAY_HTTP_ADDR", .address, ":8081", [.gateway, .dev], "HTTP and WebSocket API.")
    public static let gatewayGRPCAddr = Self("GATEWAY_GRPC_ADDR", .address, ":8080", [.gateway, .dev], "gRPC API.")
    public static let gatewayMetricsAddr = Self(
        "GATEWAY_METRICS_ADDR", .address, ":9092", [.gateway, .dev], "Prometheus `/metrics` of the gateway.")
    public static let schedulerMetricsAddr = Self(
        "SCHEDULER_METRICS_ADDR", .address, ":9090", [.scheduler, .dev], "Prometheus `/metrics` of the scheduler.")
    public static let safetyKernelAddr = Self(
        "SAFETY_KERNEL_ADDR", .address, "localhost:50051", [.scheduler, .safetyKernel, .dev],
        "Where the safety kernel listens, and where a scheduler dials it.")
    public static let contextEngineAddr = Self(
        "CONTEXT_ENGINE_ADDR", .address, ":50070", [.contextEngine, .worker],
        "Where the context engine listens, and where model workers dial it.")
    public static let workflowEngineHTTPAddr = Self(
        "WORKFLOW_ENGINE_HTTP_ADDR", .address, ":9093", [.workflowEngine, .dev], "The workflow engine's `/health`.")

    // Config files
    public static let poolConfigPath = Self(
        "POOL_CONFIG_PATH", .path, "config/pools.yaml", [.gateway, .scheduler, .workflowEngine, .dev],
        "Topic → pool routing.")
    public static let timeoutConfigPath = Self(
        "TIMEOUT_CONFIG_PATH", .path, "config/timeouts.yaml", [.scheduler, .worker, .dev],
        "Reconciler timeouts, placement wait, orchestrated workflows' step timeouts.")
    public static let safetyPolicyPath = Self(
        "SAFETY_POLICY_PATH", .path, "config/safety.yaml", [.safetyKernel, .dev], "The safety policy per tenant.")

    // Gateway
    public static let apiKey = Self(
        "API_KEY", .secret, "", [.gateway, .dev],
        "API key every request must carry (`X-API-Key` header or `api_key` query parameter); none: no auth.")
    public static let coretexAPIKey = Self(
        "CORETEX_API_KEY", .secret, "", [.gateway, .dev], "Same as `API_KEY`, and wins over it.")
    public static let superSecretAPIToken = Self(
        "CORETEX_SUPER_SECRET_API_TOKEN", .secret, "", [.gateway, .dev], "Same as `API_KEY`, and wins over both.")
    public static let tenantID = Self(
        "TENANT_ID", .text, "default", [.gateway, .dev], "Tenant of jobs that name none.")
    public static let rateLimitRPS = Self(
        "API_RATE_LIMIT_RPS", .integer, "50", [.gateway, .dev], "Requests per second per client address.")
    public static let rateLimitBurst = Self(
        "API_RATE_LIMIT_BURST", .integer, "100", [.gateway, .dev], "Burst above the rate per client address.")
    public static let maxBodyBytes = Self(
        "API_MAX_BODY_BYTES", .bytes, "2097152", [.gateway, .dev], "Largest request body (413 above).")
    public static let apiIdleTimeout = Self(
        "API_IDLE_TIMEOUT", .duration, "10s", [.gateway, .safetyKernel, .contextEngine, .dev],
        "An HTTP connection that sends nothing this long (idle, or stopped inside its headers or body), or a gRPC one with no call under way, is closed."
    )

    // Scheduler
    public static let safetyKernelWaitSeconds = Self(
        "SAFETY_KERNEL_WAIT_SECONDS", .seconds, "10", [.scheduler, .dev],
        "How long a scheduler waits for the safety kernel at start; jobs are denied after that until it answers.")
    public static let workerTTLMs = Self(
        "WORKER_TTL_MS", .milliseconds, "30000", [.gateway, .scheduler, .dev],
        "How long a silent worker that does not say its heartbeat interval counts as alive.")

    public static let jobMaxAttempts = Self(
        "JOB_MAX_ATTEMPTS", .integer, "3", [.scheduler, .dev],
        "How many times a job runs at most when its workers are lost; then it fails with a dead letter.")

    // Workflow engine
    public static let workflowScanInterval = Self(
        "WORKFLOW_ENGINE_SCAN_INTERVAL", .duration, "5s", [.workflowEngine, .dev], "How often runs are checked.")
    public static let workflowScanLimit = Self(
        "WORKFLOW_ENGINE_RUN_SCAN_LIMIT", .integer, "200", [.workflowEngine, .dev], "Runs checked per scan.")
    public static let workflowRunTTL = Self(
        "WORKFLOW_RUN_TTL", .seconds, "604800", [.gateway, .workflowEngine, .dev], "How long a finished run is kept.")

    // Workers
    public static let workerID = Self(
        "WORKER_ID", .text, "", [.worker], "The worker's id; none: `worker-<kind>-<n>`, claimed in Redis.")
    public static let workerLabels = Self(
        "WORKER_LABELS", .list, "", [.worker, .dev], "Labels the worker advertises (`k=v,k=v`): placement constraints.")
    public static let workerMaxParallel = Self(
        "WORKER_MAX_PARALLEL", .integer, "", [.worker, .dev], "Jobs a worker runs at once; none: its kind's default.")
    public static let heartbeatIntervalMs = Self(
        "HEARTBEAT_INTERVAL_MS", .milliseconds, "1000", [.worker, .dev],
        "How often a worker heartbeats; it counts as lost after five intervals of silence (at least 5 s).")
    public static let echoDelayMs = Self(
        "ECHO_DELAY_MS", .milliseconds, "0", [.worker, .dev], "How long the echo worker waits before answering.")
    public static let usePlanner = Self(
        "USE_PLANNER", .flag, "false", [.worker, .dev], "The demo orchestrator asks the planner for its steps.")
    public static let plannerTopic = Self(
        "PLANNER_TOPIC", .text, "job.workflow.plan", [.worker, .dev], "Topic of the planner's jobs.")

    // Models and memory
    public static let ollamaURL = Self("OLLAMA_URL", .url, "http://127.0.0.1:11434", [.worker, .dev], "The Ollama API.")
    public static let ollamaModel = Self("OLLAMA_MODEL", .text, "llama3", [.worker, .dev], "The model to run.")
    public static let ollamaTimeoutSeconds = Self(
        "OLLAMA_TIMEOUT_SECONDS", .seconds, "120", [.worker, .dev], "Time limit of one model call.")
    public static let ollamaRetries = Self(
        "OLLAMA_RETRIES", .integer, "2", [.worker, .dev], "Extra attempts after a connection failure.")
    public static let memoryTTLSeconds = Self(
        "MEMORY_TTL_SECONDS", .seconds, "604800", [.contextEngine, .dev], "How long a memory lives after its last write.")
    public static let memoryMaxEvents = Self(
        "MEMORY_MAX_EVENTS", .integer, "200", [.contextEngine, .dev], "Events kept per memory.")

    // Repository review
    public static let repoMaxBytes = Self(
        "REPO_MAX_BYTES", .bytes, "52428800", [.worker, .dev], "Total bytes of the files kept for a review.")
    public static let repoMaxFileBytes = Self(
        "REPO_MAX_FILE_BYTES", .bytes, "1048576", [.worker, .dev], "Larger files are skipped with a note.")
    public static let repoCloneTimeoutSeconds = Self(
        "REPO_CLONE_TIMEOUT_SECONDS", .seconds, "120", [.worker, .dev], "`git clone` time limit.")
    public static let repoLocalRoots = Self(
        "REPO_LOCAL_ROOTS", .list, "", [.worker, .dev],
        "Directories (`:`-separated) local sources may be read from; none: no local sources (`dev`: $HOME and the temp dir).")
    public static let repoTestAllowlist = Self(
        "REPO_TEST_ALLOWLIST", .list, "", [.worker, .dev],
        "Test commands a review may run (`;`-separated); none: the shipped list (docs/repo-review.md).")
    public static let repoReviewMaxFiles = Self(
        "REPO_REVIEW_MAX_FILES", .integer, "500", [.worker, .dev], "Files a review reads at most.")
    public static let repoReviewBatchSize = Self(
        "REPO_REVIEW_BATCH_SIZE", .integer, "50", [.worker, .dev], "Files per lint batch.")
    public static let repoReviewMaxBatches = Self(
        "REPO_REVIEW_MAX_BATCHES", .integer, "5", [.worker, .dev], "Batches a review lints at most.")
    public static let repoReviewParallel = Self(
        "REPO_REVIEW_PARALLEL", .integer, "4", [.worker, .dev], "Child jobs a review runs at once.")
    public static let repoReviewTestCommand = Self(
        "REPO_REVIEW_TEST_COMMAND", .text, "go test ./...", [.worker, .dev], "Test command when a review names none.")
    public static let sastRulesPath = Self(
        "SAST_RULES_PATH", .path, "config/sast-rules.yaml", [.worker, .dev], "The shipped SAST rules.")
    public static let sastRulesPaths = Self(
        "SAST_RULES_PATHS", .list, "", [.worker, .dev], "More rule files (`:`-separated); later ones override by id.")

    /// Every variable, in the order the docs list them.
    public static let all: [ConfigVariable] = [
        natsURL, busDurable, jetStreamReplicas, redisURL, redisPoolSize, logLevel,
        redisDataTTL, redisDataTTLSeconds, jobMetaTTL, jobMetaTTLSeconds,
        gatewayHTTPAddr, gatewayGRPCAddr, gatewayMetricsAddr, schedulerMetricsAddr, safetyKernelAddr, contextEngineAddr,
        workflowEngineHTTPAddr,
        poolConfigPath, timeoutConfigPath, safetyPolicyPath,
        apiKey, coretexAPIKey, superSecretAPIToken, tenantID, rateLimitRPS, rateLimitBurst, maxBodyBytes, apiIdleTimeout,
        safetyKernelWaitSeconds, workerTTLMs, jobMaxAttempts,
        workflowScanInterval, workflowScanLimit, workflowRunTTL,
        workerID, workerLabels, workerMaxParallel, heartbeatIntervalMs, echoDelayMs, usePlanner, plannerTopic,
        ollamaURL, ollamaModel, ollamaTimeoutSeconds, ollamaRetries, memoryTTLSeconds, memoryMaxEvents,
        repoMaxBytes, repoMaxFileBytes, repoCloneTimeoutSeconds, repoLocalRoots, repoTestAllowlist,
        repoReviewMaxFiles, repoReviewBatchSize, repoReviewMaxBatches, repoReviewParallel, repoReviewTestCommand,
        sastRulesPath, sastRulesPaths,
    ]
}
