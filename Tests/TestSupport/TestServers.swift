import CoretexInfra
import Foundation

/// A real `nats-server` and `redis-server` on free loopback ports, for one test; stopped when
/// released. Integration tests never use fakes.
public final class TestServers: @unchecked Sendable {
    public let directory: String
    public let natsPort: Int
    public let redisPort: Int
    private(set) var nats: ManagedProcess?
    private(set) var redis: ManagedProcess?

    public init() throws {
        directory = NSTemporaryDirectory() + "coretex-test-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        natsPort = LocalServers.freePort()
        redisPort = LocalServers.freePort()
        nats = try LocalServers.startNATS(port: natsPort, directory: directory)
        redis = try LocalServers.startRedis(port: redisPort, directory: directory)
    }

    public var natsURL: String { "nats://127.0.0.1:\(natsPort)" }
    public var redisURL: RedisURL { RedisURL(host: "127.0.0.1", port: redisPort) }

    public func stopRedis() { redis?.stop(); redis = nil }
    /// For freezing the server (SIGSTOP) in tests of a store that stops answering.
    public var redisPID: Int32? { redis?.pid }
    public func startRedis() throws { redis = try LocalServers.startRedis(port: redisPort, directory: directory) }
    public func stopNATS() { nats?.stop(); nats = nil }
    public func startNATS() throws { nats = try LocalServers.startNATS(port: natsPort, directory: directory) }

    deinit {
        nats?.stop()
        redis?.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes (never a bare sleep).
public func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
