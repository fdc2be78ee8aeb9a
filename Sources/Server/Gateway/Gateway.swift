import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexRuntime
import CoretexWorkflows
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle

/// The API gateway: the HTTP/WebSocket API on `GATEWAY_HTTP_ADDR`, fed by bus taps for the
/// live stream and the worker list.
public final class Gateway: Service, Sendable {
    static let senderHTTP = "api-gateway-http"
    static let sender = "api-gateway"

    let connections: Connections
    let settings: Settings
    let pools: PoolRouting
    let address: HostPort
    let logger: Logger
    let workers: WorkerRegistry
    let hub = StreamHub()
    let started = Date()
    let workflows: WorkflowEngine

    let lifecycle: JobLifecycle

    var store: any JobRecords { connections.store }
    var bus: any MessageBus { connections.bus }

    public init(
        connections: Connections, settings: Settings, pools: PoolRouting, address: HostPort,
        workflows: WorkflowEngine? = nil, logger: Logger
    ) {
        self.lifecycle = JobLifecycle(connections: connections, senderID: Self.sender, logger: logger)
        self.workers = WorkerRegistry(ttl: settings.workerTTL)
        self.workflows =
            workflows
            ?? WorkflowEngine(connections: connections, pools: pools, runTTL: settings.workflowRunTTL, logger: logger)
        self.connections = connections
        self.settings = settings
        self.pools = pools
        self.address = address
        self.logger = logger
    }

    /// The router with every route and middleware; tests drive it in-process.
    func router() -> Router<BasicWebSocketRequestContext> {
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.middlewares.add(ErrorMiddleware())
        router.middlewares.add(RequestMetricsMiddleware())
        router.middlewares.add(AuthMiddleware(key: settings.apiKey))
        router.middlewares.add(RateLimitMiddleware(limiter: RateLimiter(rps: settings.rateLimitRPS, burst: settings.rateLimitBurst)))
        addSystemRoutes(router)
        addJobRoutes(router)
        addMemoryRoutes(router)
        addDeadLetterRoutes(router)
        addWorkflowRoutes(router)
        addRepoReviewRoutes(router)
        router.get("/api/v1/stream") { _, _ -> Response in
            throw APIFailure.badRequest("this route is a WebSocket: connect with an Upgrade request", code: "websocket_required")
        }
        return router
    }

    /// The router that decides WebSocket upgrades (only `/api/v1/stream`, only with a valid key).
    func webSocketRouter() -> Router<BasicWebSocketRequestContext> {
        let router = Router(context: BasicWebSocketRequestContext.self)
        let key = settings.apiKey
        router.ws("/api/v1/stream") { request, _ in
            if let key, !APIKey.authorized(request, key: key) { return .dontUpgrade }
            return .upgrade([:])
        } onUpgrade: { _, outbound, context in
            var query: [String: String] = [:]
            for (k, v) in context.request.uri.queryParameters { query[String(k)] = String(v) }
            let client = self.hub.connect(filter: StreamFilter(query: query))
            defer { self.hub.disconnect(client) }
            for await frame in client.frames {
                let missed = client.takeMissed()
                if missed > 0 { try await outbound.write(.text(StreamHub.gapNotice(missed: missed))) }
                try await outbound.write(.text(frame))
            }
        }
        return router
    }

    public func run() async throws {
        let idleTimeout = TimeAmount.milliseconds(Int64(settings.apiIdleTimeout * 1000))
        let app = Application(
            router: router(),
            // Connections that stay silent, or stop inside a request, are closed after the idle
            // timeout; what the parser refuses gets a 400 and a close (docs/http-api.md).
            server: .guardedHTTP1WebSocketUpgrade(
                webSocketRouter: webSocketRouter(),
                configuration: .init(
                    http1: .init(additionalChannelHandlers: [MalformedRequestHandler()], idleTimeout: idleTimeout)),
                timeout: idleTimeout),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "coretex-gateway"),
            logger: logger)
        let taps = try [
            bus.packets(Subjects.heartbeat, logger: logger),
            // Job events only matter to WebSocket clients; with none connected they are not decoded.
            bus.packets(Subjects.allJobs, logger: logger, wanted: { [hub] _ in hub.count > 0 }),
        ]
        await seedWorkflows()
        logger.info("gateway listening", metadata: ["http": "\(address)", "auth": "\(settings.apiKey == nil ? "off" : "on")"])
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                for tap in taps {
                    group.addTask {
                        for await (_, packet) in tap {
                            if case .heartbeat(let hb)? = packet.payload { self.workers.record(hb) }
                            self.hub.publish(packet)
                        }
                    }
                }
                group.addTask {
                    while await pause(.seconds(5)) { self.workers.sweep() }
                }
                try await app.run()
                taps.forEach { $0.subscription.unsubscribe() }
            }
        } onGracefulShutdown: {
            taps.forEach { $0.subscription.unsubscribe() }
            self.hub.closeAll()
        }
    }
}

extension Gateway {
    /// Creates the two seed workflows (`SeedWorkflows`) when they are missing; a failure is only
    /// logged.
    func seedWorkflows() async {
        for workflow in SeedWorkflows.all(org: settings.tenantID) {
            do {
                if try await workflows.workflow(workflow.id) == nil { _ = try await workflows.save(workflow) }
            } catch {
                logger.warning("could not seed workflow", metadata: ["id": "\(workflow.id)", "error": "\(error)"])
            }
        }
    }
}
