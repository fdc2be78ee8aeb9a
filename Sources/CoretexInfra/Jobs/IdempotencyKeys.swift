import Foundation

/// Idempotency keys of submissions (docs/http-api.md, "Idempotent requests"):
/// `idem:<scope>:<key>`, a string holding `{"fingerprint","id","trace_id"}` for 24 hours. The
/// first request with a key claims it (`SET NX`) before it creates anything; a later request
/// with the same key and the same fingerprint gets the first one's id back, with another
/// fingerprint a conflict.
public struct IdempotencyKeys: Sendable {
    /// How long a key is remembered.
    public static let ttlSeconds = 86_400

    public enum Claim: Equatable, Sendable {
        /// The key is this request's: create the thing, or `release` the key if that fails.
        case claimed
        /// The key was used before with the same request: answer with its id.
        case replay(id: String, traceID: String)
        /// The key was used before with a different request.
        case conflict
    }

    struct Record: Codable {
        var fingerprint: String
        var id: String
        var traceID: String

        enum CodingKeys: String, CodingKey { case fingerprint, id, traceID = "trace_id" }
    }

    let redis: RedisClient

    public init(redis: RedisClient) { self.redis = redis }

    static func key(scope: String, key: String) -> String { "idem:\(scope):\(key)" }

    /// Claims `key` for a request whose fingerprint is `fingerprint` and which will create `id`.
    public func claim(scope: String, key: String, fingerprint: String, id: String, traceID: String) async throws -> Claim {
        let name = Self.key(scope: scope, key: key)
        let record = String(decoding: try JSONEncoder().encode(Record(fingerprint: fingerprint, id: id, traceID: traceID)), as: UTF8.self)
        for _ in 0..<3 {
            if try await redis.command("SET", name, record, "NX", "EX", String(Self.ttlSeconds)).text == "OK" { return .claimed }
            // Taken: by whom? (nil: it expired in between, so try again.)
            guard let text = try await redis.command("GET", name).text else { continue }
            guard let first = try? JSONDecoder().decode(Record.self, from: Data(text.utf8)) else { return .conflict }
            return first.fingerprint == fingerprint ? .replay(id: first.id, traceID: first.traceID) : .conflict
        }
        return .conflict
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
