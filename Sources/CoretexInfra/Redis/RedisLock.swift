import Foundation

/// A lease in Redis (`SET key token NX EX ttl`) that only its owner can release, so a replica
/// whose lease expired cannot delete the next holder's lock (release checks the token; no plain DEL).
public struct RedisLock: Sendable {
    public let redis: RedisClient
    public let key: String
    public let ttl: Int
    public let token = UUID().uuidString

    public init(redis: RedisClient, key: String, ttl: Int) {
        self.redis = redis
        self.key = key
        self.ttl = max(ttl, 1)
    }

    public func acquire() async throws -> Bool {
        try await redis.command("SET", key, token, "NX", "EX", String(ttl)).text == "OK"
    }

    public func release() async throws {
        try await redis.eval(Self.releaseScript, keys: [key], args: [token])
    }

    /// Deletes KEYS[1] only when it still holds ARGV[1] (the owner's token).
    public static let releaseScript = RedisScript(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end")
}
