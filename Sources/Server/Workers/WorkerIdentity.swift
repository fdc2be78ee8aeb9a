import CoretexInfra
import Foundation

/// Gives each worker process a unique id: `WORKER_ID` when set, else the first free
/// `worker-<kind>-<n>`, claimed as a lease in Redis (`WorkerClaims`) that the heartbeat
/// renews. Two processes can no longer share an id and execute each other's jobs.
struct WorkerIdentity: Sendable {
    let id: String
    let token: String

    static func claim(kind: String, explicit: String?, redis: RedisClient) async throws -> WorkerIdentity {
        let claims = WorkerClaims(redis: redis)
        let token = "\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        if let explicit {
            try await claims.take(explicit, token: token)
            return WorkerIdentity(id: explicit, token: token)
        }
        for n in 1...10_000 {
            let id = "worker-\(kind)-\(n)"
            if try await claims.claimIfFree(id, token: token) {
                return WorkerIdentity(id: id, token: token)
            }
        }
        throw RedisError.server("no free worker id for kind \(kind)")
    }

    /// Renews the lease (from the heartbeat loop).
    func renew(_ redis: RedisClient) async {
        try? await WorkerClaims(redis: redis).renew(id, token: token)
    }

    /// Gives the id back at shutdown so a restart gets the same one.
    func release(_ redis: RedisClient) async {
        try? await WorkerClaims(redis: redis).release(id, token: token)
    }
}
