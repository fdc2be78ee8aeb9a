/// Conversational memory in Redis, at the keys of `MemoryKeys`, and the read-only inspection
/// of context, result and memory keys that `GET /api/v1/memory` serves.
///
/// Keys (docs/protocol.md, "Redis layout"):
/// - `mem:<id>:events`: list of event JSON (`{"role","content","ts"}`), TTL `ttlSeconds`
///   renewed on each append, trimmed to the newest `maxEvents`; appends are one atomic script.
/// - `mem:<id>:chunks`: set of the chunk keys of an ingested repository, TTL `ttlSeconds`.
/// - `mem:<id>:chunk:<n>`: string, one chunk's JSON, TTL `ttlSeconds`.
///
/// Inspection reads `ctx:*` and `res:*` keys (owned by `JobKeys`) or any `mem:*` key, and
/// writes nothing.
public struct MemoryStore: Sendable {
    public let redis: RedisClient

    public init(redis: RedisClient) {
        self.redis = redis
    }

    // MARK: - events

    /// The newest `count` events of `memoryID` as stored (JSON bytes), oldest first.
    public func recentEvents(_ memoryID: String, count: Int) async throws -> [[UInt8]] {
        try await redis.command("LRANGE", MemoryKeys.events(memoryID), String(-count), "-1").array.compactMap(\.bytes)
    }

    /// Appends `events` (JSON text), keeps the newest `maxEvents` and sets the list's TTL to
    /// `ttlSeconds`, in one atomic step.
    public func appendEvents(_ memoryID: String, _ events: [String], maxEvents: Int, ttlSeconds: Int) async throws {
        try await redis.eval(
            Self.appendScript, keys: [MemoryKeys.events(memoryID)],
            args: [String(maxEvents), String(ttlSeconds)] + events)
    }

    /// RPUSH ARGV[3…] to KEYS[1], keep the newest ARGV[1], expire after ARGV[2] seconds: one
    /// atomic step, so a turn is never half-written and the list never outgrows its bound.
    static let appendScript = RedisScript(
        """
        for i = 3, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
        redis.call('LTRIM', KEYS[1], -tonumber(ARGV[1]), -1)
        redis.call('EXPIRE', KEYS[1], ARGV[2])
        return redis.call('LLEN', KEYS[1])
        """)

    // MARK: - chunks

    /// Every chunk stored for `memoryID` (JSON bytes), in no particular order.
    public func chunks(_ memoryID: String) async throws -> [[UInt8]] {
        let keys = try await redis.command("SMEMBERS", MemoryKeys.chunks(memoryID)).array.compactMap(\.text)
        guard !keys.isEmpty else { return [] }
        return try await redis.command(["MGET"] + keys).array.compactMap(\.bytes)
    }

    /// Replaces the chunks of `memoryID` with `chunks` (JSON text, stored as `chunk:<index>`):
    /// reads the old chunk set, then in one pipelined round trip deletes the old chunks and the
    /// set, writes each chunk with `ttlSeconds` and adds it to the set, and expires the set.
    /// Replies inside the pipeline are not checked.
    public func replaceChunks(_ memoryID: String, with chunks: [String], ttlSeconds: Int) async throws {
        let ttl = String(ttlSeconds)
        let set = MemoryKeys.chunks(memoryID)
        let old = try await redis.command("SMEMBERS", set).array.compactMap(\.text)
        var commands: [[String]] = []
        if !old.isEmpty { commands.append(["DEL"] + old) }
        commands.append(["DEL", set])
        for (n, chunk) in chunks.enumerated() {
            let key = MemoryKeys.chunk(memoryID, n)
            commands.append(["SET", key, chunk, "EX", ttl])
            commands.append(["SADD", set, key])
        }
        commands.append(["EXPIRE", set, ttl])
        _ = try await redis.pipeline(commands)
    }

    // MARK: - inspection

    /// What an inspectable key holds, by its prefix.
    public enum KeyKind: Sendable, Equatable {
        /// `ctx:<id>` (`JobKeys.context`).
        case context
        /// `res:<id>` (`JobKeys.result`), repository archives included.
        case result
        /// `mem:*` (`MemoryKeys`).
        case memory
    }

    /// The kind of `key`, or nil when it is none of the inspectable ones.
    public static func kind(of key: String) -> KeyKind? {
        if key.hasPrefix(JobKeys.context("")) { return .context }
        if key.hasPrefix(JobKeys.result("")) { return .result }
        if key.hasPrefix(MemoryKeys.prefix) { return .memory }
        return nil
    }

    /// The Redis type of a key (`TYPE`).
    public enum ValueType: Sendable, Equatable {
        case none, string, list, set, hash
        /// Any other type, by its Redis name.
        case other(String)

        init(_ name: String) {
            switch name {
            case "none": self = .none
            case "string": self = .string
            case "list": self = .list
            case "set": self = .set
            case "hash": self = .hash
            default: self = .other(name)
            }
        }
    }

    public func type(of key: String) async throws -> ValueType {
        ValueType(try await redis.command("TYPE", key).text ?? "none")
    }

    /// The string at `key`, or nil when there is none.
    public func value(_ key: String) async throws -> [UInt8]? {
        try await redis.command("GET", key).bytes
    }

    /// The list's length and its newest `limit` items (oldest first), in one round trip.
    public func listTail(_ key: String, limit: Int) async throws -> (length: Int, items: [[UInt8]?]) {
        let r = try await redis.pipeline([["LLEN", key], ["LRANGE", key, String(-limit), "-1"]])
        return (r[0].int ?? 0, r[1].array.map(\.bytes))
    }

    /// The set's size and up to `limit` of its members, in one round trip.
    public func setSample(_ key: String, limit: Int) async throws -> (length: Int, items: [[UInt8]?]) {
        let r = try await redis.pipeline([["SCARD", key], ["SRANDMEMBER", key, String(limit)]])
        return (r[0].int ?? 0, r[1].array.map(\.bytes))
    }

    /// Every field of the hash, in Redis's order, and its field count.
    public func hash(_ key: String) async throws -> (length: Int, fields: [(field: String?, value: [UInt8]?)]) {
        let all = try await redis.command("HGETALL", key).array
        let fields = stride(from: 0, to: all.count - 1, by: 2).map { (field: all[$0].text, value: all[$0 + 1].bytes) }
        return (all.count / 2, fields)
    }
}
