import ArgumentParser
import CoretexContext
import CoretexCore
import CoretexInfra
import CoretexRuntime
import CoretexSafety
import CoretexStack
import CoretexWorkers
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
            SIGINT or SIGTERM stops it gracefully. Every role reads its settings from these \
            environment variables (`coretex-server env` and docs/configuration.md say what each does):

            """ + ConfigDocs.helpText(),
        subcommands: [
            Dev.self, EnvCommand.self, GatewayRole.self, SchedulerRole.self, SafetyKernelRole.self, WorkflowEngineRole.self,
            ContextEngineRole.self, WorkerRole.self,
        ])
}

/// Runs services until SIGINT/SIGTERM, then shuts them down gracefully.
func serve(_ services: [any Service], logger: Logger) async throws {
    let group = ServiceGroup(
        configuration: .init(
            services: services.map {
                .init(
                    service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup)
            },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
    try await group.run()
}

/// What every role on the bus does first: read the environment and the config files, connect
/// to NATS and Redis, then serve the services `build` makes until a signal stops them.
func serveConnected(_ build: (Connections, Settings, Roles.Config, Logger) throws -> [any Service]) async throws {
    let settings = Settings()
    let logger = startUp(settings)
    let config = try Roles.Config.load(settings)
    let connections = try await Connections.open(settings: settings, logger: logger)
    defer { connections.close() }
    try await serve(try build(connections, settings, config, logger), logger: logger)
}

/// What every role does first: ignore SIGPIPE (a peer closing a socket under a write — Redis
/// dropping the link while hiredis sends AUTH at connect, a client going away — is an error
/// the code handles, not a reason for the whole process to die), then make the logger.
func startUp(_ settings: Settings) -> Logger {
    signal(SIGPIPE, SIG_IGN)
    LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
    var logger = Logger(label: "coretex")
    logger.logLevel = Logger.Level(rawValue: settings.logLevel) ?? .info
    return logger
}

/// `coretex-server env`: the environment variables every role reads, from the one table.
struct EnvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env", abstract: "Print the environment variables the roles read (--markdown: docs/configuration.md).")

    @Flag(help: "Print docs/configuration.md.")
    var markdown = false

    func run() {
        print(markdown ? ConfigDocs.markdown() : ConfigDocs.text(), terminator: markdown ? "" : "\n")
    }
}

struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the whole stack in one process: every role, one worker of each kind.",
        discussion: """
            Without NATS_URL / REDIS_URL it starts nats-server and redis-server on loopback \
            (state under --state-dir) and stops them when it stops. Listeners bind to 127.0.0.1. \
            The context engine runs in-process; the model workers call OLLAMA_URL \
            (default http://127.0.0.1:11434) with OLLAMA_MODEL (default llama3).
            """)

    @Option(help: "Directory for the local servers' data and logs.")
    var stateDir = ".state/dev"
    @Option(help: "Port for the local nats-server.")
    var natsPort = 4222
    @Option(help: "Port for the local redis-server.")
    var redisPort = 6379

    func run() async throws {
        var settings = Settings()
        let logger = startUp(settings)
        // One user's machine: repository reviews may read local repositories under $HOME and the temp dir.
        settings.repoLocalRoots = settings.repoLocalRoots ?? [NSHomeDirectory(), NSTemporaryDirectory()]
        let stack = try DevStack.start(
            stateDirectory: stateDir, natsPort: natsPort, redisPort: redisPort, settings: &settings,
            logger: logger)
        defer { stack.stop() }
        let config = try Roles.Config.load(settings)
        let connections = try await Connections.open(settings: settings, logger: logger)
        defer { connections.close() }
        let kernel = SafetyKernel(policy: config.policy)
        var services: [any Service] = []
        // One engine for the gateway's run API and the engine service's results and reconciler.
        let workflows = try Roles.workflowEngine(connections, settings, config, host: "127.0.0.1", logger: logger)
        services += try Roles.gateway(connections, settings, config, host: "127.0.0.1", workflows: workflows.engine, logger: logger)
        services.append(workflows.service)
        services += try Roles.scheduler(connections, settings, config, safety: kernel, host: "127.0.0.1", logger: logger)
        services.append(try Roles.safetyKernel(settings, config, host: "127.0.0.1", logger: logger))
        // The context engine runs in-process; the model workers call it directly.
        let deps = Roles.WorkerDependencies(
            ollama: OllamaClient(settings: .init(settings), logger: logger),
            context: ContextEngine(redis: connections.redis, settings: .init(settings)), timeouts: config.timeouts)
        for kind in Roles.workerKinds {
            var workerSettings = settings
            workerSettings.workerID = nil  // one process, several workers: each claims worker-<kind>-<n>
            services.append(try Roles.worker(kind, connections, workerSettings, deps, logger: logger))
        }
        logger.info("coretex dev stack starting", metadata: ["gateway": "\(settings.gatewayHTTPAddr)"])
        try await serve(services, logger: logger)
    }
}

struct GatewayRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gateway", abstract: "Run the API gateway (HTTP/WS, gRPC, metrics).")

    func run() async throws {
        try await serveConnected { c, settings, config, logger in
            try Roles.gateway(c, settings, config, host: "0.0.0.0", logger: logger)
        }
    }
}

struct SchedulerRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler", abstract: "Run the scheduler and its reconciler (safety kernel at SAFETY_KERNEL_ADDR).")

    func run() async throws {
        try await serveConnected { c, settings, config, logger in
            try Roles.scheduler(c, settings, config, safety: nil, host: "0.0.0.0", logger: logger)
        }
    }
}

struct WorkflowEngineRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflow-engine", abstract: "Run the workflow engine: step results, the run reconciler, /health.")

    func run() async throws {
        try await serveConnected { c, settings, config, logger in
            [try Roles.workflowEngine(c, settings, config, host: "0.0.0.0", logger: logger).service]
        }
    }
}

struct SafetyKernelRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "safety-kernel", abstract: "Serve the safety kernel's gRPC Check on SAFETY_KERNEL_ADDR.")

    func run() async throws {
        let settings = Settings()
        let logger = startUp(settings)
        let config = Roles.Config(
            pools: PoolRouting(topics: [:]), timeouts: TimeoutConfig(), policy: try SafetyPolicy.load(path: settings.safetyPolicyPath))
        try await serve([try Roles.safetyKernel(settings, config, host: "127.0.0.1", logger: logger)], logger: logger)
    }
}

struct ContextEngineRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "context-engine",
        abstract: "Serve the context engine (model windows and conversational memory) over gRPC on CONTEXT_ENGINE_ADDR.")

    func run() async throws {
        let settings = Settings()
        let logger = startUp(settings)
        let redis = RedisClient(url: try RedisURL(parsing: settings.redisURL), poolSize: 2)
        defer { redis.close() }
        try await redis.waitUntilReachable { error, attempt in
            logger.warning("Redis not reachable, retrying", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
        }
        try await serve([try Roles.contextEngine(redis, settings, host: "0.0.0.0", logger: logger)], logger: logger)
    }
}

struct WorkerRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run one worker (model workers reach the context engine at CONTEXT_ENGINE_ADDR).")

    @Argument(help: ArgumentHelp("The kind of worker.", valueName: Roles.workerKinds.joined(separator: "|")))
    var name: String

    func validate() throws {
        guard Roles.workerKinds.contains(name) else {
            throw ValidationError("unknown worker \"\(name)\" (known: \(Roles.workerKinds.joined(separator: ", ")))")
        }
    }

    func run() async throws {
        try await serveConnected { c, settings, config, logger in
            guard let address = HostPort(settings.contextEngineAddr, defaultHost: "127.0.0.1") else {
                throw ValidationError("invalid CONTEXT_ENGINE_ADDR \"\(settings.contextEngineAddr)\"")
            }
            let context = try RemoteContextEngine(address: address)
            let deps = Roles.WorkerDependencies(
                ollama: OllamaClient(settings: .init(settings), logger: logger), context: context,
                timeouts: config.timeouts)
            return [context, try Roles.worker(name, c, settings, deps, logger: logger)]
        }
    }
}
