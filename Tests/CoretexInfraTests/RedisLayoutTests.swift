import Foundation
import Testing

/// Every Redis key and command sequence lives in the store layer, `Sources/CoretexInfra/`
/// (docs/protocol.md, "Redis layout"): routes and roles call typed store methods. This reads
/// every other `.swift` file under `Sources/` and fails, listing file:line, on any line that
/// issues a raw command. Constructing a `RedisClient` and passing it on is allowed.
@Suite struct RedisLayoutTests {
    /// Patterns of raw command use.
    static func patterns() throws -> [(name: String, regex: Regex<AnyRegexOutput>)] {
        [
            // A command sent through the client: `redis.command("GET", …)`, `.pipeline([…])`,
            // `.commandBytes(…)`, `redis.eval(script, …)`, `.transaction(…)`.
            ("client call", try Regex(#"\.(command|commandBytes|pipeline|eval|transaction)\("#)),
            // A command written as an array literal, as passed to a pipeline or script prelude.
            ("command literal", try Regex(#"\[\s*"(\#(commandNames))"\s*[,\]]"#)),
            // A command encoded as bytes, or a script invoked by hand.
            ("command bytes", try Regex(#"Array\("[A-Z]+"\.utf8\)"#)),
            ("script call", try Regex(#""EVALSHA""#)),
        ]
    }

    static let commandNames = [
        "GET", "SET", "SETNX", "SETEX", "GETDEL", "DEL", "UNLINK", "EXISTS", "EXPIRE", "PEXPIRE", "TTL", "PTTL",
        "TYPE", "INCR", "INCRBY", "DECR", "MGET", "MSET", "APPEND", "HGET", "HSET", "HMGET", "HMSET", "HDEL",
        "HGETALL", "HINCRBY", "HEXISTS", "LPUSH", "RPUSH", "LPOP", "RPOP", "LRANGE", "LTRIM", "LLEN", "LREM",
        "SADD", "SREM", "SMEMBERS", "SCARD", "SISMEMBER", "SRANDMEMBER", "ZADD", "ZREM", "ZCARD", "ZSCORE",
        "ZRANGE", "ZREVRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZREMRANGEBYRANK", "ZREMRANGEBYSCORE",
        "EVAL", "EVALSHA", "SCRIPT", "MULTI", "EXEC", "WATCH", "PUBLISH", "KEYS", "SCAN", "FLUSHALL",
        "FLUSHDB", "CONFIG", "INFO",
    ].joined(separator: "|")

    /// Directories under `Sources/` that may issue raw commands: the store layer itself, and
    /// the benchmark harness, which resets and reads Redis's own command statistics
    /// (`CONFIG RESETSTAT`, `INFO commandstats`) to count round trips; it is neither a route
    /// nor a role and touches no key of the layout.
    static let exempt = ["Sources/CoretexInfra/"]

    static var root: URL {
        // Tests/CoretexInfraTests/RedisLayoutTests.swift → the repository root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The pattern a line of Swift matches, nil when it issues no raw command. Comment lines
    /// are skipped (docs may name commands).
    static func violation(_ line: Substring, _ patterns: [(name: String, regex: Regex<AnyRegexOutput>)]) -> String? {
        let code = line.drop { $0 == " " || $0 == "\t" }
        if code.hasPrefix("//") { return nil }
        return patterns.first { code.contains($0.regex) }?.name
    }

    @Test func noRawRedisCommandsOutsideTheStoreLayer() throws {
        let patterns = try Self.patterns()
        let sources = Self.root.appendingPathComponent("Sources")
        #expect(
            FileManager.default.fileExists(atPath: sources.appendingPathComponent("CoretexInfra").path),
            "repository root not found from \(#filePath)")
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }
            .filter { $0.pathExtension == "swift" }
        var checked = 0
        var found: [String] = []
        for file in files {
            let relative = String(file.standardizedFileURL.path.dropFirst(Self.root.standardizedFileURL.path.count + 1))
            if Self.exempt.contains(where: relative.hasPrefix) { continue }
            checked += 1
            let text = try String(contentsOf: file, encoding: .utf8)
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if let pattern = Self.violation(line, patterns) {
                    found.append("\(relative):\(n + 1): \(pattern): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        #expect(checked > 50, "expected to read the server's sources, read \(checked) files")
        #expect(
            found.isEmpty,
            """
            raw Redis commands outside Sources/CoretexInfra/ (add a typed store method there instead):
            \(found.sorted().joined(separator: "\n"))
            """)
    }

    /// The patterns catch what they are meant to, and not HTTP or table code.
    @Test func patternsCatchRawCommandsOnly() throws {
        let patterns = try Self.patterns()
        let raw = [
            #"guard let value = try await self.connections.redis.command("GET", key).bytes else {"#,
            #"let r = try await redis.pipeline([["LLEN", key], ["LRANGE", key, "0", "-1"]])"#,
            #"_ = try? await redis.eval(RedisLock.releaseScript, keys: [key], args: [token])"#,
            #"try await redis.commandBytes([Array("SET".utf8), Array(key.utf8)])"#,
            #"commands.append(["SET", key, json, "EX", ttl])"#,
            #"if !old.isEmpty { commands.append(["DEL"] + old) }"#,
            #"args.append("EVALSHA")"#,
        ]
        for line in raw { #expect(Self.violation(Substring(line), patterns) != nil, "\(line)") }
        let fine = [
            #"let redis = RedisClient(url: try RedisURL(parsing: settings.redisURL), poolSize: 2)"#,
            #"try await send("GET", "/api/v1/jobs", query: filter.query)"#,
            #".init(header: "TYPE", wideOnly: true), .init(header: "LABELS", flexible: true)"#,
            #"guard let value = try await self.storeCall({ try await self.memory.value(key) }) else {"#,
            #"/// Runs `redis.command("GET", key)` once."#,
        ]
        for line in fine { #expect(Self.violation(Substring(line), patterns) == nil, "\(line)") }
    }
}
