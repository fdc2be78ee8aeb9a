import CoretexCore
import CoretexInfra
import CoretexTestSupport
import Foundation
import Logging

@testable import CoretexGateway
@testable import CoretexRuntime

/// Real NATS and Redis, one set of connections to them as a role opens them, and a gateway
/// for the echo pool on those connections: how tests that run roles in one process (as
/// `dev` does) begin. Add the roles under test as services.
struct InProcessRoles {
    let servers: TestServers
    let settings: Settings
    let connections: Connections
    let pools = PoolRouting(topics: ["job.echo": "echo"])
    let gateway: Gateway
    let logger = Logger(label: "test")

    /// `durable`: submissions, dispatches and results through JetStream (`BUS_DURABLE`).
    init(durable: Bool = true) async throws {
        servers = try TestServers()
        var env = ProcessInfo.processInfo.environment
        env["BUS_DURABLE"] = durable ? "true" : "false"
        env["NATS_URL"] = servers.natsURL
        env["REDIS_URL"] = "redis://127.0.0.1:\(servers.redisPort)"
        settings = Settings(environment: env)
        connections = try await Connections.open(settings: settings, logger: logger)
        gateway = Gateway(
            connections: connections, settings: settings, pools: pools,
            address: HostPort(host: "127.0.0.1", port: 0), logger: logger)
    }

    func close() { connections.close() }
}
