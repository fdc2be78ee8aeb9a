import CoretexInfra
import Foundation

/// Gives each worker process a unique id: `WORKER_ID` when set, else the first free
/// `worker-<kind>-<n>`, claimed as a lease in Redis (`worker:lease:<id>`) that the heartbeat
/// renews. Two processes can no longer share an id and execute each other's jobs.
struct WorkerIdentity: Sendable {
    static let leaseTTL = 30

    let id: String
    let token: String

    static func claim(kind: String, explicit: String?, redis: RedisClient) async throws -> WorkerIdentity {
        let token = "\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        if let explicit {
            try await redis.command("SET", key(explicit), token, "EX", String(leaseTTL))
            return WorkerIdentity(id: explicit, token: token)
        }
        for n in 1...10_000 {
            let id = "worker-\(kind)-\(n)"
            if try await redis.command("SET", key(id), token, "NX", "EX", String(leaseTTL)).text == "OK" {
                return WorkerIdentity(id: id, token: token)
            }
        }
        throw RedisError.server("no free worker id for kind \(kind)")
    }

    static func key(_ id: String) -> String { "worker:lease:\(id)" }

    /// Renews the lease (from the heartbeat loop).
    func renew(_ redis: RedisClient) async {
        _ = try? await redis.command("SET", Self.key(id), token, "EX", String(Self.leaseTTL))
    }

    /// Gives the id back at shutdown so a restart gets the same one.
    func release(_ redis: RedisClient) async {
        _ = try? await redis.eval(RedisLock.releaseScript, keys: [Self.key(id)], args: [token])
    }
}
