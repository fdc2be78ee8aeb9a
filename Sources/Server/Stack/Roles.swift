import CoretexContext
import CoretexCore
import CoretexGateway
import CoretexInfra
import CoretexRepoReview
import CoretexRuntime
import CoretexSafety
import CoretexScheduler
import CoretexWorkers
import CoretexWorkflows
import Foundation
import Logging
import ServiceLifecycle

/// The roles `coretex-server` can play, each a set of services over shared connections.
/// `dev` is simply all of them in one process.
public enum Roles {
    /// Config files every role that routes jobs needs.
    public struct Config: Sendable {
        public var pools: PoolRouting
        public var timeouts: TimeoutConfig
        public var policy: SafetyPolicy?

        public init(pools: PoolRouting, timeouts: TimeoutConfig, policy: SafetyPolicy?) {
            self.pools = pools
            self.timeouts = timeouts
            self.policy = policy
        }

        public static func load(_ settings: Settings) throws -> Config {
            Config(
                pools: try PoolRouting.load(path: settings.poolConfigPath),
                timeouts: try TimeoutConfig.load(path: settings.timeoutConfigPath),
                policy: try SafetyPolicy.load(path: settings.safetyPolicyPath))
        }
    }

    static func address(_ text: String, _ what: String, defaultHost: String) throws -> HostPort {
        guard let address = HostPort(text, defaultHost: defaultHost) else {
            throw RoleError("invalid \(what) address \"\(text)\" (expected host:port or :port)")
        }
        return address
    }

    public static func gateway(
        _ c: Connections, _ settings: Settings, _ config: Config, host: String,
        workflows: WorkflowEngine? = nil, logger: Logger
    ) throws -> [any Service] {
        let gateway = Gateway(
            connections: c, settings: settings, pools: config.pools,
            address: try address(settings.gatewayHTTPAddr, "GATEWAY_HTTP_ADDR", defaultHost: host),
            workflows: workflows, logger: logger.labelled("gateway"))
        return [
            gateway,
            GatewayGRPC(gateway: gateway, address: try address(settings.gatewayGRPCAddr, "GATEWAY_GRPC_ADDR", defaultHost: host)),
            MetricsEndpoint(
                address: try address(settings.gatewayMetricsAddr, "GATEWAY_METRICS_ADDR", defaultHost: host),
                logger: logger),
        ]
    }

    /// The scheduler with its reconciler and metrics; `safety` is the in-process kernel when
    /// co-located, else a client of `SAFETY_KERNEL_ADDR`.
    public static func scheduler(
        _ c: Connections, _ settings: Settings, _ config: Config, safety: (any SafetyChecking)?,
        host: String, logger: Logger
    ) throws -> [any Service] {
        var services: [any Service] = []
        let checker: any SafetyChecking
        if let safety {
            checker = safety
        } else {
            let remote = try RemoteSafetyKernel(
                address: try address(settings.safetyKernelAddr, "SAFETY_KERNEL_ADDR", defaultHost: "127.0.0.1"),
                logger: logger.labelled("safety-client"))
            services.append(remote)
            checker = remote
        }
        let wait = settings.safetyKernelWaitSeconds
        services.append(
            Scheduler(
                connections: c, pools: config.pools, timeouts: config.timeouts, safety: checker,
                logger: logger.labelled("scheduler"), safetyWait: .seconds(wait),
                workerTTL: settings.workerTTL, maxAttempts: settings.jobMaxAttempts))
        services.append(
            Reconciler(
                connections: c, timeouts: config.timeouts, logger: logger.labelled("reconciler"),
                claimMargin: wait + 5))
        services.append(
            MetricsEndpoint(
                address: try address(settings.schedulerMetricsAddr, "SCHEDULER_METRICS_ADDR", defaultHost: host), logger: logger))
        return services
    }

    public static func safetyKernel(_ settings: Settings, _ config: Config, host: String, logger: Logger) throws -> SafetyKernelServer {
        SafetyKernelServer(
            kernel: SafetyKernel(policy: config.policy),
            address: try address(settings.safetyKernelAddr, "SAFETY_KERNEL_ADDR", defaultHost: host),
            idleTimeout: .milliseconds(Int64(settings.apiIdleTimeout * 1000)), logger: logger.labelled("safety-kernel"))
    }

    /// The workflow engine: results → run progress, the run reconciler, `/health`.
    public static func workflowEngine(
        _ c: Connections, _ settings: Settings, _ config: Config, host: String,
        logger: Logger
    ) throws -> (engine: WorkflowEngine, service: any Service) {
        let engine = WorkflowEngine(
            connections: c, pools: config.pools, runTTL: settings.workflowRunTTL,
            logger: logger.labelled("workflow-engine"))
        let service = WorkflowEngineService(
            engine: engine, scanInterval: .milliseconds(Int(settings.workflowScanInterval * 1000)),
            scanLimit: settings.workflowScanLimit,
            healthAddress: try address(settings.workflowEngineHTTPAddr, "WORKFLOW_ENGINE_HTTP_ADDR", defaultHost: host),
            logger: logger.labelled("workflow-engine"))
        return (engine, service)
    }

    /// Worker kinds this build ships, by the name `coretex-server worker NAME` takes.
    public static let workerKinds = [
        "echo", "chat", "chat-advanced", "code-llm", "planner", "orchestrator",
        "repo-scan", "repo-sast", "repo-partition", "repo-lint", "repo-tests", "repo-report", "repo-orchestrator",
    ]

    /// What the model workers of one process share: the Ollama client, the context engine
    /// (in-process in `dev`, a gRPC client otherwise) and the timeouts of orchestrated workflows.
    public struct WorkerDependencies: Sendable {
        public var ollama: OllamaClient
        public var context: any ContextEngineAPI
        public var timeouts: TimeoutConfig

        public init(ollama: OllamaClient, context: any ContextEngineAPI, timeouts: TimeoutConfig) {
            self.ollama = ollama
            self.context = context
            self.timeouts = timeouts
        }
    }

    /// One worker. Labels, parallelism and the heartbeat interval apply to every kind; the
    /// echo delay to echo; the planner settings to the orchestrator; the repository settings
    /// to the repository workers.
    public static func worker(
        _ kind: String, _ c: Connections, _ settings: Settings, _ deps: WorkerDependencies,
        logger: Logger
    ) throws -> WorkerRuntime {
        let (spec, handler): (WorkerSpec, any JobHandler) =
            switch kind {
            case "echo":
                (.echo, EchoWorker(delay: .milliseconds(settings.echoDelayMs)))
            case "chat": (.chat, ChatWorker(ollama: deps.ollama))
            case "chat-advanced": (.chatAdvanced, ChatAdvancedWorker(ollama: deps.ollama, context: deps.context))
            case "code-llm": (.codeLLM, CodeLLMWorker(ollama: deps.ollama, context: deps.context))
            case "planner": (.planner, PlannerWorker())
            case "orchestrator":
                (
                    .demoOrchestrator,
                    DemoOrchestrator(
                        children: ChildJobs(connections: c, waiter: try ResultWaiter(bus: c.bus, logger: logger), logger: logger),
                        limits: DemoOrchestrator.limits(deps.timeouts),
                        plannerTopic: settings.usePlanner ? settings.plannerTopic : nil)
                )
            case "repo-scan":
                (.repoScan, RepoScanWorker(workspace: workspace(c), limits: RepoLimits(settings), archiveTTL: settings.dataTTL))
            case "repo-sast": (.repoSast, RepoSastWorker(workspace: workspace(c), rules: try RepoSastWorker.loadRules(settings)))
            case "repo-partition": (.repoPartition, RepoPartitionWorker())
            case "repo-lint": (.repoLint, RepoLintWorker(workspace: workspace(c)))
            case "repo-tests": (.repoTests, RepoTestsWorker(workspace: workspace(c), limits: RepoLimits(settings)))
            case "repo-report": (.repoReport, RepoReportWorker(store: c.store))
            case "repo-orchestrator":
                (
                    .repoOrchestrator,
                    RepoReviewOrchestrator(
                        children: ChildJobs(connections: c, waiter: try ResultWaiter(bus: c.bus, logger: logger), logger: logger),
                        workspace: workspace(c), limits: RepoReviewOrchestrator.limits(deps.timeouts), settings: .init(settings))
                )
            default:
                throw RoleError("unknown worker \"\(kind)\" (known: \(workerKinds.joined(separator: ", ")))")
            }
        var configured = spec
        configured.labels = WorkerSpec.labels(from: settings.workerLabels)
        if let slots = settings.workerMaxParallel { configured.maxParallelJobs = slots }
        return WorkerRuntime(
            spec: configured, handler: handler, connections: c, workerID: settings.workerID,
            logger: logger.labelled("worker-\(kind)"), heartbeatInterval: .milliseconds(settings.heartbeatIntervalMs))
    }

    static func workspace(_ c: Connections) -> RepoWorkspace { RepoWorkspace(store: c.store, redis: c.redis) }

    /// The context engine's gRPC service on `CONTEXT_ENGINE_ADDR`.
    public static func contextEngine(_ redis: RedisClient, _ settings: Settings, host: String, logger: Logger) throws
        -> ContextEngineServer
    {
        ContextEngineServer(
            engine: ContextEngine(redis: redis, settings: .init(settings)),
            address: try address(settings.contextEngineAddr, "CONTEXT_ENGINE_ADDR", defaultHost: host),
            idleTimeout: .milliseconds(Int64(settings.apiIdleTimeout * 1000)), logger: logger.labelled("context-engine"))
    }
}

public struct RoleError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
