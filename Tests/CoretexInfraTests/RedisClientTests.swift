import CoretexInfra
import CoretexTestSupport
import Foundation
import Testing

@Suite(.serialized) struct RedisClientTests {
    @Test func commandsPipelinesAndScripts() async throws {
        let servers = try TestServers()
        let redis = RedisClient(url: servers.redisURL)
        defer { redis.close() }
        try await redis.command("SET", "k", "v")
        #expect(try await redis.command("GET", "k").text == "v")
        #expect(try await redis.command("GET", "missing") == .null)
        let replies = try await redis.pipeline([["INCR", "n"], ["INCR", "n"], ["LPUSH", "k", "x"]])
        #expect(replies[0] == .integer(1))
        #expect(replies[1] == .integer(2))
        if case .error(let text) = replies[2] { #expect(text.contains("WRONGTYPE")) } else { Issue.record("expected an error reply") }
        await #expect(throws: RedisError.self) { try await redis.command("LPUSH", "k", "x") }
        let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
        #expect(try await redis.eval(script, keys: ["n"], args: ["40"]) == .integer(42))
        // After SCRIPT FLUSH the cached SHA is gone (as after a server restart): it reloads.
        try await redis.command("SCRIPT", "FLUSH")
        #expect(try await redis.eval(script, keys: ["n"], args: ["1"]) == .integer(43))
        // A prelude runs just before the script, in the same round trip; its errors are thrown.
        let read = RedisScript("return redis.call('GET', KEYS[1])")
        #expect(try await redis.eval(read, keys: ["p"], args: [], after: [["SET", "p", "first"]]).text == "first")
        await #expect(throws: RedisError.self) {
            try await redis.eval(read, keys: ["p"], args: [], after: [["LPUSH", "p", "x"]])
        }
    }

    @Test func binaryValuesRoundTrip() async throws {
        let servers = try TestServers()
        let redis = RedisClient(url: servers.redisURL)
        defer { redis.close() }
        let bytes: [UInt8] = [0, 1, 2, 255, 0, 10]
        try await redis.commandBytes([Array("SET".utf8), Array("bin".utf8), bytes])
        #expect(try await redis.command("GET", "bin").bytes == bytes)
        // Arguments are written as length-prefixed bulk strings: line breaks, protocol-looking
        // text, non-ASCII, empty and large values all arrive as sent.
        let awkward = ["", "a\r\nb", "*1\r\n$4\r\nPING\r\n", "héllo wörld ✓", String(repeating: "x", count: 1 << 20)]
        for (i, value) in awkward.enumerated() {
            let key = "awkward:\(i)"
            let replies = try await redis.pipeline([["SET", key, value], ["GET", key], ["STRLEN", key]])
            #expect(replies[1].text == value)
            #expect(replies[2] == .integer(value.utf8.count))
        }
        #expect(try await redis.command("DBSIZE").int == 1 + awkward.count)  // nothing was read as an extra command
    }

    /// Lengths and counts are written digit by digit: every digit-count boundary must arrive intact.
    @Test func lengthsAndKeyCountsAtDigitBoundaries() async throws {
        let servers = try TestServers()
        let redis = RedisClient(url: servers.redisURL)
        defer { redis.close() }
        for length in [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 10_000, 100_000] {
            let value = String(repeating: "v", count: length)
            let replies = try await redis.pipeline([["SET", "len:\(length)", value], ["STRLEN", "len:\(length)"]])
            #expect(replies[1] == .integer(length))
        }
        let counted = RedisScript("return {#KEYS, #ARGV, KEYS[#KEYS] or '', ARGV[#ARGV] or ''}")
        for keys in [0, 1, 9, 10, 11, 100] {
            let names = (0..<keys).map { "key:\($0)" }
            let args = (0..<(keys + 1)).map { "arg:\($0)" }
            let reply = try await redis.eval(counted, keys: names, args: args).array
            #expect(
                reply == [
                    .integer(keys), .integer(keys + 1), .string(Array((names.last ?? "").utf8)),
                    .string(Array((args.last ?? "").utf8)),
                ])
        }
    }

    @Test func commandsAfterAScriptShareItsRoundTrip() async throws {
        let servers = try TestServers()
        let redis = RedisClient(url: servers.redisURL)
        defer { redis.close() }
        let script = RedisScript("return redis.call('INCR', KEYS[1])")
        let (counted, after) = try await redis.eval(
            script, keys: ["n"], args: [], after: [["SET", "n", "41"]],
            then: [["GET", "n"], ["LPUSH", "n", "x"]])
        #expect(counted == .integer(42))
        #expect(after.first?.text == "42")
        if case .error(let text) = after.last { #expect(text.contains("WRONGTYPE")) } else { Issue.record("expected an error reply") }
    }

    @Test func concurrentCallersShareRoundTrips() async throws {
        let servers = try TestServers()
        let redis = RedisClient(url: servers.redisURL, poolSize: 2)
        defer { redis.close() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<500 { group.addTask { try await redis.command("SET", "key:\(i)", "\(i)") } }
            try await group.waitForAll()
        }
        #expect(try await redis.command("DBSIZE").int == 500)
        #expect(try await redis.command("GET", "key:499").text == "499")
    }

    /// A server that stops answering fails the commands in flight after 5 s, not never; once
    /// it answers again, the next command reconnects.
    @Test func aFrozenServerFailsCommandsThenRecovers() async throws {
        let servers = try TestServers()
        let redis = RedisClient(url: servers.redisURL, poolSize: 1)
        defer { redis.close() }
        try await redis.ping()
        let pid = try #require(servers.redisPID)
        kill(pid, SIGSTOP)
        await #expect(throws: RedisError.self) { try await redis.command("SET", "k", "v") }
        kill(pid, SIGCONT)
        #expect(await eventually { (try? await redis.ping()) != nil })
        // The reply that came late on the old connection was not handed to anyone else.
        #expect(try await redis.command("GET", "missing") == .null)
    }

    @Test func reconnectsAfterTheServerRestarts() async throws {
        let servers = try TestServers()
        let redis = RedisClient(url: servers.redisURL, poolSize: 1)
        defer { redis.close() }
        try await redis.ping()
        servers.stopRedis()
        await #expect(throws: RedisError.self) { try await redis.ping() }
        try servers.startRedis()
        #expect(try await eventually { (try? await redis.ping()) != nil })
        try await redis.command("SET", "after", "restart")
        #expect(try await redis.command("GET", "after").text == "restart")
    }

    @Test func unreachableServerIsAClearError() async throws {
        let redis = RedisClient(url: RedisURL(host: "127.0.0.1", port: LocalServers.freePort()))
        defer { redis.close() }
        await #expect(throws: RedisError.self) { try await redis.ping() }
    }

    @Test func urls() throws {
        #expect(try RedisURL(parsing: "redis://localhost:6380/2") == RedisURL(host: "127.0.0.1", port: 6380, database: 2))
        #expect(try RedisURL(parsing: "redis://:pw@h").password == "pw")
        #expect(throws: RedisError.self) { try RedisURL(parsing: "http://x") }
        #expect(try RedisURL(parsing: "redis://u:secret@h:1/0").display == "redis://h:1/0")
    }

    @Test func locksAreReleasedOnlyByTheirOwner() async throws {
        let servers = try TestServers()
        let redis = RedisClient(url: servers.redisURL)
        defer { redis.close() }
        let a = RedisLock(redis: redis, key: "lock", ttl: 10)
        let b = RedisLock(redis: redis, key: "lock", ttl: 10)
        #expect(try await a.acquire())
        #expect(try await !b.acquire())
        try await b.release()  // not the owner: no effect
        #expect(try await redis.command("GET", "lock").text == a.token)
        try await a.release()
        #expect(try await b.acquire())
    }
}
