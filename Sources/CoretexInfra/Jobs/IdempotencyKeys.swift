import Foundation

/// Idempotency keys of submissions (docs/http-api.md, "Idempotent requests"):
/// `idem:<scope>:<key>`, a string holding `{"fingerprint","id","trace_id","done"}`. The first
/// request with a key claims it (`SET NX`, for `pendingTTLSeconds`) before it creates anything,
/// and marks it done (for `ttlSeconds`) once it has; a later request with the same key and the
/// same fingerprint gets the first one's id back once that is done, and is told to retry while
/// it is not; with another fingerprint it is a conflict.
public struct IdempotencyKeys: Sendable {
    /// How long a key is remembered once its request created what it asked for.
    public static let ttlSeconds = 86_400
    /// How long a claim lasts while its request is creating: a gateway that dies in between
    /// does not hold the key for a day.
    public static let pendingTTLSeconds = 60

    public enum Claim: Equatable, Sendable {
        /// The key is this request's: create the thing, or `release` the key if that fails.
        case claimed
        /// The key was used before with the same request: answer with its id.
        case replay(id: String, traceID: String)
        /// The same request with this key is still creating: the client should retry.
        case inProgress
        /// The key was used before with a different request.
        case conflict
    }

    struct Record: Codable {
        var fingerprint: String
        var id: String
        var traceID: String
        var done: Bool

        enum CodingKeys: String, CodingKey { case fingerprint, id, traceID = "trace_id", done }

        var json: String { String(decoding: (try? JSONEncoder().encode(self)) ?? Data(), as: UTF8.self) }
    }

    let redis: RedisClient

    public init(redis: RedisClient) { self.redis = redis }

    static func key(scope: String, key: String) -> String { "idem:\(scope):\(key)" }

    /// Claims `key` for a request whose fingerprint is `fingerprint` and which will create `id`.
    public func claim(scope: String, key: String, fingerprint: String, id: String, traceID: String) async throws -> Claim {
        let name = Self.key(scope: scope, key: key)
        let record = Record(fingerprint: fingerprint, id: id, traceID: traceID, done: false).json
        for _ in 0..<3 {
            if try await redis.command("SET", name, record, "NX", "EX", String(Self.pendingTTLSeconds)).text == "OK" {
                return .claimed
            }
            // Taken: by whom? (nil: it expired in between, so try again.)
            guard let text = try await redis.command("GET", name).text else { continue }
            guard let first = try? JSONDecoder().decode(Record.self, from: Data(text.utf8)) else { return .conflict }
            guard first.fingerprint == fingerprint else { return .conflict }
            return first.done ? .replay(id: first.id, traceID: first.traceID) : .inProgress
        }
        return .conflict
    }

    /// Marks a claim done: its request created `id`, which later requests with the key get.
    public func complete(scope: String, key: String, fingerprint: String, id: String, traceID: String) async throws {
        let record = Record(fingerprint: fingerprint, id: id, traceID: traceID, done: true).json
        try await redis.command("SET", Self.key(scope: scope, key: key), record, "XX", "EX", String(Self.ttlSeconds))
    }

    /// Forgets a claim whose creation failed, so the client's retry with the same key can
    /// succeed; only while the key still names `id`.
    public func release(scope: String, key: String, id: String) async throws {
        let name = Self.key(scope: scope, key: key)
        guard let text = try await redis.command("GET", name).text,
            let record = try? JSONDecoder().decode(Record.self, from: Data(text.utf8)), record.id == id
        else { return }
        try await redis.eval(RedisLock.releaseScript, keys: [name], args: [text])
    }
}
