import ArgumentParser
import CoretexCore
import CoretexServer
import Foundation
import Logging
import ServiceLifecycle

/// `coretex-server ROLE`: runs one role of the control plane, or all of them (`dev`).
@main
struct CoretexServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coretex-server",
        abstract: "The Coretex control plane.",
        discussion: """
            Every role reads the environment of the original deployment: NATS_URL, REDIS_URL, \
            GATEWAY_HTTP_ADDR, GATEWAY_GRPC_ADDR, GATEWAY_METRICS_ADDR, SAFETY_KERNEL_ADDR, \
            POOL_CONFIG_PATH, TIMEOUT_CONFIG_PATH, SAFETY_POLICY_PATH, API_KEY / CORETEX_API_KEY / \
            CORETEX_SUPER_SECRET_API_TOKEN, TENANT_ID, API_RATE_LIMIT_RPS/BURST, REDIS_DATA_TTL, \
            JOB_META_TTL, WORKER_ID. SIGINT or SIGTERM stops it gracefully.
            """,
        subcommands: [Dev.self, GatewayRole.self, SchedulerRole.self, SafetyKernelRole.self, WorkflowEngineRole.self, WorkerRole.self])
}

/// Runs services until SIGINT/SIGTERM, then shuts them down gracefully.
func serve(_ services: [any Service], logger: Logger) async throws {
    let group = ServiceGroup(
        configuration: .init(
            services: services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                                           failureTerminationBehavior: .gracefullyShutdownGroup) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
    try await group.run()
}

func makeLogger(_ label: String) -> Logger {
    LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
    var logger = Logger(label: label)
    logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    return logger
}

struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the whole stack in one process: every role, one worker of each kind.",
        discussion: """
            Without NATS_URL / REDIS_URL it starts nats-server and redis-server on loopback \
            (state under --state-dir) and stops them when it stops. Listeners bind to 127.0.0.1.
            """)

    @Option(help: "Directory for the local servers' data and logs.")
    var stateDir = ".state/dev"
    @Option(help: "Port for the local nats-server.")
    var natsPort = 4222
    @Option(help: "Port for the local redis-server.")
    var redisPort = 6379

    func run() async throws {
        let logger = makeLogger("coretex")
        let stack = try DevStack.start(stateDirectory: stateDir, natsPort: natsPort, redisPort: redisPort, logger: logger)
        defer { stack.stop() }
        let settings = Settings(environment: stack.environment)
        let config = try Roles.Config.load(settings)
        let connections = try await Connections.open(settings: settings, logger: logger)
        defer { connections.close() }
        let kernel = SafetyKernel(policy: config.policy)
        var services: [any Service] = []
        // One engine for the gateway's run API and the engine service's results and reconciler.
        let workflows = try Roles.workflowEngine(connections, config, host: "127.0.0.1", logger: logger)
        services += try Roles.gateway(connections, settings, config, host: "127.0.0.1", workflows: workflows.engine, logger: logger)
        services.append(workflows.service)
        services += try Roles.scheduler(connections, settings, config, safety: kernel, host: "127.0.0.1", logger: logger)
        services.append(try Roles.safetyKernel(settings, config, host: "127.0.0.1", logger: logger))
        for kind in Roles.workerKinds {
            var workerSettings = settings
            workerSettings.workerID = nil  // one process, several workers: each claims worker-<kind>-<n>
            services.append(try Roles.worker(kind, connections, workerSettings, logger: logger))
        }
        logger.info("coretex dev stack starting", metadata: ["gateway": "\(settings.gatewayHTTPAddr)"])
        try await serve(services, logger: logger)
    }
}

struct GatewayRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gateway", abstract: "Run the API gateway (HTTP/WS, gRPC, metrics).")

    func run() async throws {
        let logger = makeLogger("coretex")
        let settings = Settings()
        let config = try Roles.Config.load(settings)
        let connections = try await Connections.open(settings: settings, logger: logger)
        defer { connections.close() }
        try await serve(try Roles.gateway(connections, settings, config, host: "0.0.0.0", logger: logger), logger: logger)
    }
}

struct SchedulerRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler", abstract: "Run the scheduler and its reconciler (safety kernel at SAFETY_KERNEL_ADDR).")

    func run() async throws {
        let logger = makeLogger("coretex")
        let settings = Settings()
        let config = try Roles.Config.load(settings)
        let connections = try await Connections.open(settings: settings, logger: logger)
        defer { connections.close() }
        try await serve(try Roles.scheduler(connections, settings, config, safety: nil, host: "0.0.0.0", logger: logger),
                        logger: logger)
    }
}

struct WorkflowEngineRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflow-engine", abstract: "Run the workflow engine: step results, the run reconciler, /health.")

    func run() async throws {
        let logger = makeLogger("coretex")
        let settings = Settings()
        let config = try Roles.Config.load(settings)
        let connections = try await Connections.open(settings: settings, logger: logger)
        defer { connections.close() }
        try await serve([try Roles.workflowEngine(connections, config, host: "0.0.0.0", logger: logger).service], logger: logger)
    }
}

struct SafetyKernelRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "safety-kernel", abstract: "Serve the safety kernel's gRPC Check on SAFETY_KERNEL_ADDR.")

    func run() async throws {
        let logger = makeLogger("coretex")
        let settings = Settings()
        let config = Roles.Config(
            pools: PoolRouting(topics: [:]), timeouts: TimeoutConfig(), policy: try SafetyPolicy.load(path: settings.safetyPolicyPath))
        try await serve([try Roles.safetyKernel(settings, config, host: "127.0.0.1", logger: logger)], logger: logger)
    }
}

struct WorkerRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "Run one worker.")

    @Argument(help: ArgumentHelp("The kind of worker.", valueName: Roles.workerKinds.joined(separator: "|")))
    var name: String

    func validate() throws {
        guard Roles.workerKinds.contains(name) else {
            throw ValidationError("unknown worker \"\(name)\" (known: \(Roles.workerKinds.joined(separator: ", ")))")
        }
    }

    func run() async throws {
        let logger = makeLogger("coretex")
        let settings = Settings()
        let connections = try await Connections.open(settings: settings, logger: logger)
        defer { connections.close() }
        try await serve([try Roles.worker(name, connections, settings, logger: logger)], logger: logger)
    }
}
