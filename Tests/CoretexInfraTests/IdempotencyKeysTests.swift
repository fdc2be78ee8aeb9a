import CoretexInfra
import CoretexTestSupport
import Testing

/// A key's life on a real Redis: claimed, in progress, done (replayed), conflicting, released.
@Suite struct IdempotencyKeysTests {
    @Test func aKeyIsClaimedOnceAnsweredWhenDoneAndFreedOnFailure() async throws {
        let servers = try TestServers()
        let redis = RedisClient(url: servers.redisURL)
        defer { redis.close() }
        let keys = IdempotencyKeys(redis: redis)
        func claim(_ fingerprint: String, _ id: String) async throws -> IdempotencyKeys.Claim {
            try await keys.claim(scope: "jobs", key: "k", fingerprint: fingerprint, id: id, traceID: "t-\(id)")
        }
        #expect(try await claim("a", "j1") == .claimed)
        #expect(try await claim("a", "j2") == .inProgress, "the first request is still creating")
        #expect(try await claim("b", "j2") == .conflict)
        try await keys.complete(scope: "jobs", key: "k", fingerprint: "a", id: "j1", traceID: "t-j1")
        #expect(try await claim("a", "j3") == .replay(id: "j1", traceID: "t-j1"))
        #expect(try await claim("b", "j3") == .conflict)
        // Only the claim's own request frees it.
        try await keys.release(scope: "jobs", key: "k", id: "j9")
        #expect(try await claim("a", "j4") == .replay(id: "j1", traceID: "t-j1"))
        try await keys.release(scope: "jobs", key: "k", id: "j1")
        #expect(try await claim("a", "j5") == .claimed)
        #expect(
            try await keys.claim(scope: "runs", key: "k", fingerprint: "a", id: "r1", traceID: "r1") == .claimed,
            "keys are per route")
    }
}
