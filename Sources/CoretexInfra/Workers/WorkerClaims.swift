/// Worker id claims in Redis: each worker process holds its id as a lease that its heartbeat
/// renews, so two processes cannot share an id.
///
/// Keys (docs/protocol.md, "Redis layout"):
/// - `worker:lease:<worker id>`: string, the owning process's token, TTL `leaseTTL` (30 s)
///   renewed on each heartbeat; deleted at shutdown by its owner only (the token is checked,
///   as for `RedisLock`).
public struct WorkerClaims: Sendable {
    /// Seconds a claim lives unless renewed.
    public static let leaseTTL = 30

    public let redis: RedisClient

    public init(redis: RedisClient) {
        self.redis = redis
    }

    public static func key(_ workerID: String) -> String { "worker:lease:\(workerID)" }

    /// Takes `workerID` whether or not another process holds it (an explicit `WORKER_ID`).
    public func take(_ workerID: String, token: String) async throws {
        try await redis.command("SET", Self.key(workerID), token, "EX", String(Self.leaseTTL))
    }

    /// Claims `workerID` if no one holds it; true when this call claimed it.
    public func claimIfFree(_ workerID: String, token: String) async throws -> Bool {
        try await redis.command("SET", Self.key(workerID), token, "NX", "EX", String(Self.leaseTTL)).text == "OK"
    }

    /// Renews the claim for another `leaseTTL` seconds.
    public func renew(_ workerID: String, token: String) async throws {
        try await redis.command("SET", Self.key(workerID), token, "EX", String(Self.leaseTTL))
    }

    /// Deletes the claim if it still holds `token`.
    public func release(_ workerID: String, token: String) async throws {
        try await redis.eval(RedisLock.releaseScript, keys: [Self.key(workerID)], args: [token])
    }
}
