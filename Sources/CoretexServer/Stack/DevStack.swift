import CoretexCore
import CoretexInfra
import Foundation
import Logging

/// The local stack of `coretex-server dev`: `nats-server` and `redis-server` on loopback
/// (unless `NATS_URL` / `REDIS_URL` point elsewhere), stopped when the stack stops.
public final class DevStack: Sendable {
    let children: [ManagedProcess]
    public let environment: [String: String]

    /// Starts whatever is missing and returns the environment the roles should read.
    public static func start(stateDirectory: String, natsPort: Int, redisPort: Int, logger: Logger) throws -> DevStack {
        var env = ProcessInfo.processInfo.environment
        // Absolute, because redis-server changes into --dir before opening its log file there.
        let stateDirectory = URL(fileURLWithPath: stateDirectory).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        var children: [ManagedProcess] = []
        if env["NATS_URL"]?.isEmpty ?? true {
            children.append(try LocalServers.startNATS(port: natsPort, directory: stateDirectory))
            env["NATS_URL"] = "nats://127.0.0.1:\(natsPort)"
            logger.info("started nats-server", metadata: ["port": "\(natsPort)", "logs": "\(stateDirectory)/nats.log"])
        }
        if env["REDIS_URL"]?.isEmpty ?? true {
            children.append(try LocalServers.startRedis(port: redisPort, directory: stateDirectory))
            env["REDIS_URL"] = "redis://127.0.0.1:\(redisPort)"
            logger.info("started redis-server", metadata: ["port": "\(redisPort)", "logs": "\(stateDirectory)/redis.log"])
        }
        return DevStack(children: children, environment: env)
    }

    private init(children: [ManagedProcess], environment: [String: String]) {
        self.children = children
        self.environment = environment
    }

    public func stop() {
        for child in children.reversed() { child.stop() }
    }
}
