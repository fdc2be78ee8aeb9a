import CoretexCore
import CoretexInfra
import CoretexProtocol
import Foundation

/// Conversational memory and model windows over Redis (docs/models-and-memory.md).
///
/// Keys (docs/protocol.md, "Redis layout"): `mem:<id>:events` (a list of
/// `{"role","content","ts"}`), `mem:<id>:chunks` (a set of chunk keys) and `mem:<id>:chunk:<n>`.
/// Every key has a TTL (renewed on each write), the event list is trimmed to the newest
/// `maxEvents`, re-ingesting a repository replaces its chunks instead of leaving stale ones,
/// and Redis errors are thrown rather than swallowed.
public struct ContextEngine: ContextEngineAPI {
    public struct Settings: Sendable {
        /// Seconds every memory key lives after its last write (`MEMORY_TTL_SECONDS`, 7 days).
        public var ttlSeconds = 7 * 86_400
        /// Events kept per memory (`MEMORY_MAX_EVENTS`, 200); only `historyWindow` are read.
        public var maxEvents = 200
        /// How many of the newest events are read into a window.
        public var historyWindow = 20
        /// Characters of a file kept in one ingested chunk.
        public var maxChunkBytes = 16_384

        public init() {}

        public init(_ settings: CoretexCore.Settings) {
            ttlSeconds = settings.memoryTTLSeconds
            maxEvents = settings.memoryMaxEvents
        }
    }

    let redis: RedisClient
    let settings: Settings

    public init(redis: RedisClient, settings: Settings = .init()) {
        self.redis = redis
        self.settings = settings
    }

    public static func eventsKey(_ memoryID: String) -> String { "mem:\(memoryID):events" }
    static func chunksKey(_ memoryID: String) -> String { "mem:\(memoryID):chunks" }
    static func chunkKey(_ memoryID: String, _ n: Int) -> String { "mem:\(memoryID):chunk:\(n)" }

    public func buildWindow(_ request: Coretex_V1_BuildWindowRequest) async throws -> Coretex_V1_BuildWindowResponse {
        var messages: [ChatMessage] = []
        let mode = request.mode == .unspecified ? .raw : request.mode
        if mode == .chat || mode == .rag {
            messages += try await history(request.memoryID)
        }
        if mode == .rag, let file = ContextPayload.string("file_path", in: request.logicalPayload) {
            messages += try await chunks(request.memoryID, near: file)
        }
        let user = ContextPayload.userMessage(request.logicalPayload)
        if !user.isEmpty { messages.append(.user(user)) }
        let budget = request.maxInputTokens == 0 ? 8000 : Int(request.maxInputTokens)
        let window = TokenBudget.fit(messages, budget: budget)

        var response = Coretex_V1_BuildWindowResponse()
        response.messages = window.map { m in
            var message = Coretex_V1_ModelMessage()
            message.role = m.role
            message.content = m.content
            return message
        }
        response.inputTokens = Int32(clamping: TokenBudget.estimate(window))
        response.outputTokens = request.maxOutputTokens == 0 ? 1024 : request.maxOutputTokens
        return response
    }

    /// The newest `historyWindow` events as messages, oldest first.
    private func history(_ memoryID: String) async throws -> [ChatMessage] {
        let items = try await redis.command("LRANGE", Self.eventsKey(memoryID), String(-settings.historyWindow), "-1").array
        return items.compactMap { item in
            guard let bytes = item.bytes, let event = try? JSONDecoder().decode(MemoryEvent.self, from: Data(bytes)),
                !event.content.isEmpty
            else { return nil }
            return ChatMessage(role: event.role, content: event.content)
        }
    }

    /// `system` messages for the ingested chunks whose path matches `file` (either contains
    /// the other), in path order so windows are reproducible.
    private func chunks(_ memoryID: String, near file: String) async throws -> [ChatMessage] {
        let keys = try await redis.command("SMEMBERS", Self.chunksKey(memoryID)).array.compactMap(\.text)
        guard !keys.isEmpty else { return [] }
        let values = try await redis.command(["MGET"] + keys).array
        let chunks = values.compactMap { $0.bytes.flatMap { try? JSONDecoder().decode(RepoChunk.self, from: Data($0)) } }
        return chunks.filter { $0.path.contains(file) || file.contains($0.path) }.sorted { $0.path < $1.path }.map { c in
            let body = c.content.isEmpty
                ? "File metadata for \(c.path) (language=\(c.language), bytes=\(c.bytes), loc=\(c.loc))" : c.content
            return .system("Context from \(c.path):\n\(body)")
        }
    }

    public func updateMemory(_ request: Coretex_V1_UpdateMemoryRequest) async throws {
        guard !request.memoryID.isEmpty, request.mode == .chat || request.mode == .rag else { return }
        let now = Int(Date().timeIntervalSince1970)
        var events: [MemoryEvent] = []
        let user = ContextPayload.userMessage(request.logicalPayload)
        if !user.isEmpty { events.append(MemoryEvent(role: "user", content: user, ts: now)) }
        let reply = String(decoding: request.modelResponse, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if !reply.isEmpty { events.append(MemoryEvent(role: "assistant", content: reply, ts: now)) }
        guard !events.isEmpty else { return }
        let encoded = try events.map { String(decoding: try JSONEncoder.sorted.encode($0), as: UTF8.self) }
        try await redis.eval(Self.appendScript, keys: [Self.eventsKey(request.memoryID)],
                             args: [String(settings.maxEvents), String(settings.ttlSeconds)] + encoded)
    }

    /// RPUSH ARGV[3…] to KEYS[1], keep the newest ARGV[1], expire after ARGV[2] seconds: one
    /// atomic step, so a turn is never half-written and the list never outgrows its bound.
    static let appendScript = RedisScript("""
        for i = 3, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
        redis.call('LTRIM', KEYS[1], -tonumber(ARGV[1]), -1)
        redis.call('EXPIRE', KEYS[1], ARGV[2])
        return redis.call('LLEN', KEYS[1])
        """)

    public func ingestRepo(_ request: Coretex_V1_IngestRepoRequest) async throws {
        guard !request.memoryID.isEmpty,
            let scan = try? JSONDecoder().decode(ScanResult.self, from: request.scanResult), !scan.files.isEmpty
        else { return }
        let ttl = String(settings.ttlSeconds)
        let old = try await redis.command("SMEMBERS", Self.chunksKey(request.memoryID)).array.compactMap(\.text)
        var commands: [[String]] = []
        if !old.isEmpty { commands.append(["DEL"] + old) }
        commands.append(["DEL", Self.chunksKey(request.memoryID)])
        for (n, file) in scan.files.enumerated() {
            var chunk = file
            chunk.content = String(chunk.content.prefix(settings.maxChunkBytes))
            let key = Self.chunkKey(request.memoryID, n)
            commands.append(["SET", key, String(decoding: try JSONEncoder.sorted.encode(chunk), as: UTF8.self), "EX", ttl])
            commands.append(["SADD", Self.chunksKey(request.memoryID), key])
        }
        commands.append(["EXPIRE", Self.chunksKey(request.memoryID), ttl])
        _ = try await redis.pipeline(commands)
    }
}

/// One entry of `mem:<id>:events`.
struct MemoryEvent: Codable {
    var role: String
    var content: String
    var ts: Int
}

/// One file of an ingested repository (`mem:<id>:chunk:<n>`).
struct RepoChunk: Codable {
    var path: String
    var language: String = ""
    var bytes: Int = 0
    var loc: Int = 0
    var content: String = ""

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        language = try c.decodeIfPresent(String.self, forKey: .language) ?? ""
        bytes = try c.decodeIfPresent(Int.self, forKey: .bytes) ?? 0
        loc = try c.decodeIfPresent(Int.self, forKey: .loc) ?? 0
        content = try c.decodeIfPresent(String.self, forKey: .content) ?? ""
    }
}

/// The part of a repo scan result IngestRepo reads.
private struct ScanResult: Decodable {
    var files: [RepoChunk]
}
