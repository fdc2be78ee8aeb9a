/// Repository archives in Redis: the gzip tar of a scan's kept files, stored next to the scan's
/// result so that workers on other hosts can unpack it.
///
/// Keys (docs/protocol.md, "Redis layout"):
/// - `res:<scan job>-repo-archive`: string (raw bytes), TTL given by the writer (the data TTL,
///   `REDIS_DATA_TTL`). Read back through its pointer with `JobStore.blob(pointer:)`.
public struct RepoArchives: Sendable {
    public let redis: RedisClient

    public init(redis: RedisClient) {
        self.redis = redis
    }

    public static func key(scanJob: String) -> String { "res:\(scanJob)-repo-archive" }

    /// Stores `bytes` as the archive of `scanJob` for `ttl` seconds; returns its `redis://` pointer.
    public func put(_ bytes: [UInt8], scanJob: String, ttl: Int) async throws -> String {
        let key = Self.key(scanJob: scanJob)
        try await redis.commandBytes([Array("SET".utf8), Array(key.utf8), bytes, Array("EX".utf8), Array(String(ttl).utf8)])
        return JobKeys.pointer(key)
    }
}
