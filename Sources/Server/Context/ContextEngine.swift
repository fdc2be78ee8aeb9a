import CoretexCore
import CoretexInfra
import CoretexProtocol
import Foundation

/// Conversational memory and model windows over Redis (docs/models-and-memory.md).
///
/// The keys and commands are `MemoryStore`'s (CoretexInfra, docs/protocol.md, "Redis layout"):
/// the events of a memory and the chunks of an ingested repository. Every key has a TTL (renewed on each write), the event list is trimmed to the newest
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

    let memory: MemoryStore
    let settings: Settings

    public init(redis: RedisClient, settings: Settings = .init()) {
        self.memory = MemoryStore(redis: redis)
        self.settings = settings
    }

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
        let items = try await memory.recentEvents(memoryID, count: settings.historyWindow)
        return items.compactMap { bytes in
            guard let event = try? JSONDecoder().decode(MemoryEvent.self, from: Data(bytes)),
                !event.content.isEmpty
            else { return nil }
            return ChatMessage(role: event.role, content: event.content)
        }
    }

    /// `system` messages for the ingested chunks whose path matches `file` (either contains
    /// the other), in path order so windows are reproducible.
    private func chunks(_ memoryID: String, near file: String) async throws -> [ChatMessage] {
        let values = try await memory.chunks(memoryID)
        let chunks = values.compactMap { try? JSONDecoder().decode(RepoChunk.self, from: Data($0)) }
        return chunks.filter { $0.path.contains(file) || file.contains($0.path) }.sorted { $0.path < $1.path }.map { c in
            let body =
                c.content.isEmpty
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
        // One atomic step, so a turn is never half-written and the list never outgrows its bound.
        try await memory.appendEvents(request.memoryID, encoded, maxEvents: settings.maxEvents, ttlSeconds: settings.ttlSeconds)
    }

    public func ingestRepo(_ request: Coretex_V1_IngestRepoRequest) async throws {
        guard !request.memoryID.isEmpty,
            let scan = try? JSONDecoder().decode(ScanResult.self, from: request.scanResult), !scan.files.isEmpty
        else { return }
        let chunks = try scan.files.map { file in
            var chunk = file
            chunk.content = String(chunk.content.prefix(settings.maxChunkBytes))
            return String(decoding: try JSONEncoder.sorted.encode(chunk), as: UTF8.self)
        }
        // Re-ingesting replaces the repository's chunks instead of leaving stale ones.
        try await memory.replaceChunks(request.memoryID, with: chunks, ttlSeconds: settings.ttlSeconds)
    }
}

/// One entry of a memory's events (`MemoryKeys.events`).
struct MemoryEvent: Codable {
    var role: String
    var content: String
    var ts: Int
}

/// One file of an ingested repository (`MemoryKeys.chunk`).
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
