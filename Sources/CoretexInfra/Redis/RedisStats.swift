/// What Redis counts about the commands it ran (`INFO commandstats`), for `make bench`'s
/// figures per job: the one place outside the store that asks Redis about itself.
public struct RedisStats: Sendable {
    let redis: RedisClient

    public init(redis: RedisClient) { self.redis = redis }

    /// Zeroes the counters (`CONFIG RESETSTAT`).
    public func reset() async throws { try await redis.command("CONFIG", "RESETSTAT") }

    /// The `commandstats` section of `INFO`, as Redis prints it.
    public func commandStats() async throws -> String { try await redis.command("INFO", "commandstats").text ?? "" }
}
