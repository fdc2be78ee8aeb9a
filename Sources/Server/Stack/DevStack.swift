import CoretexCore
import CoretexInfra
import Foundation
import Logging

/// The local stack of `coretex-server dev`: `nats-server` and `redis-server` on loopback
/// (unless `NATS_URL` / `REDIS_URL` point elsewhere), stopped when the stack stops. Servers
/// a crashed earlier run left on the same state directory are stopped first.
public final class DevStack: Sendable {
    let children: [ManagedProcess]

    /// Starts whatever `settings` does not point to (`NATS_URL`, `REDIS_URL`), and points
    /// `settings` at what it started.
    public static func start(
        stateDirectory: String, natsPort: Int, redisPort: Int, settings: inout Settings,
        logger: Logger
    ) throws -> DevStack {
        // Absolute, because redis-server changes into --dir before opening its log file there.
        let stateDirectory = URL(fileURLWithPath: stateDirectory).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        var children: [ManagedProcess] = []
        if !settings.natsURLGiven {
            LocalServers.stopLeftover("nats-server", pidFile: "nats.pid", in: stateDirectory)
            children.append(try LocalServers.startNATS(port: natsPort, directory: stateDirectory))
            settings.natsURL = "nats://127.0.0.1:\(natsPort)"
            logger.info("started nats-server", metadata: ["port": "\(natsPort)", "logs": "\(stateDirectory)/nats.log"])
        }
        if !settings.redisURLGiven {
            LocalServers.stopLeftover("redis-server", pidFile: "redis.pid", in: stateDirectory)
            children.append(try LocalServers.startRedis(port: redisPort, directory: stateDirectory, persistent: true))
            settings.redisURL = "redis://127.0.0.1:\(redisPort)"
            logger.info("started redis-server", metadata: ["port": "\(redisPort)", "logs": "\(stateDirectory)/redis.log"])
        }
        return DevStack(children: children)
    }

    private init(children: [ManagedProcess]) {
        self.children = children
    }

    public func stop() {
        for child in children.reversed() { child.stop() }
    }
}
