import CoretexCore
import CoretexProtocol
import Foundation

/// Workflow definitions and runs in Redis, at the keys of `WorkflowKeys`, as the JSON the API serves.
///
/// Writers of a run hold its lock (`withRunLock`), so a save never races another save of the
/// same run; each save is one pipelined round trip that also moves the run between the
/// per-status indexes. Finished runs expire after `runTTL` and the reconciler trims their
/// index entries, so nothing grows without an owner.
public struct WorkflowStore: Sendable {
    public let redis: RedisClient
    /// Seconds a finished run is kept.
    public let runTTL: Int

    public init(redis: RedisClient, runTTL: Int = 7 * 86_400) {
        self.redis = redis
        self.runTTL = runTTL
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    // MARK: Definitions

    public func save(_ workflow: Workflow, score: Double = Date().timeIntervalSince1970) async throws {
        let json = String(decoding: try Self.encoder.encode(workflow), as: UTF8.self)
        var commands: [[String]] = [
            ["SET", WorkflowKeys.definition(workflow.id), json],
            ["ZADD", WorkflowKeys.allDefinitions, String(score), workflow.id],
        ]
        if !workflow.orgID.isEmpty { commands.append(["ZADD", WorkflowKeys.orgDefinitions(workflow.orgID), String(score), workflow.id]) }
        try check(try await redis.pipeline(commands))
    }

    public func workflow(_ id: String) async throws -> Workflow? {
        guard let bytes = try await redis.command("GET", WorkflowKeys.definition(id)).bytes else { return nil }
        return try JSONDecoder().decode(Workflow.self, from: Data(bytes))
    }

    /// Newest-saved first; entries that vanished or do not decode are skipped.
    public func workflows(org: String? = nil, limit: Int = 100) async throws -> [Workflow] {
        let index = org.map(WorkflowKeys.orgDefinitions) ?? WorkflowKeys.allDefinitions
        let ids = try await redis.command("ZREVRANGE", index, "0", String(limit - 1)).array.compactMap(\.text)
        guard !ids.isEmpty else { return [] }
        return try await redis.pipeline(ids.map { ["GET", WorkflowKeys.definition($0)] }).compactMap { reply in
            reply.bytes.flatMap { try? JSONDecoder().decode(Workflow.self, from: Data($0)) }
        }
    }

    // MARK: Runs

    public func save(_ run: WorkflowRun) async throws {
        let json = String(decoding: try Self.encoder.encode(run), as: UTF8.self)
        let score = String((run.updatedAt ?? Date()).timeIntervalSince1970)
        var commands: [[String]] = [
            run.status.isTerminal
                ? ["SET", WorkflowKeys.run(run.id), json, "EX", String(runTTL)] : ["SET", WorkflowKeys.run(run.id), json],
            ["ZADD", WorkflowKeys.runsOf(run.workflowID), score, run.id],
            ["ZADD", WorkflowKeys.allRuns, score, run.id],
            ["ZADD", WorkflowKeys.runsIn(run.status.rawValue), score, run.id],
        ]
        // Removing from every other status index (instead of reading the previous status)
        // keeps the save one round trip and the indexes exact.
        for other in RunStatus.allCases where other != run.status {
            commands.append(["ZREM", WorkflowKeys.runsIn(other.rawValue), run.id])
        }
        try check(try await redis.pipeline(commands))
    }

    public func run(_ id: String) async throws -> WorkflowRun? {
        guard let bytes = try await redis.command("GET", WorkflowKeys.run(id)).bytes else { return nil }
        return try JSONDecoder().decode(WorkflowRun.self, from: Data(bytes))
    }

    /// Run ids of an index, most recently updated first.
    public func runIDs(in index: String, limit: Int) async throws -> [String] {
        try await redis.command("ZREVRANGE", index, "0", String(max(limit, 1) - 1)).array.compactMap(\.text)
    }

    public func runs(_ ids: [String]) async throws -> [WorkflowRun] {
        guard !ids.isEmpty else { return [] }
        return try await redis.pipeline(ids.map { ["GET", WorkflowKeys.run($0)] }).compactMap { reply in
            reply.bytes.flatMap { try? JSONDecoder().decode(WorkflowRun.self, from: Data($0)) }
        }
    }

    /// Drops index entries of runs that have expired (older than the run TTL).
    public func trimIndexes(workflowIDs: [String], now: Date = Date()) async throws {
        let cutoff = String(now.timeIntervalSince1970 - Double(runTTL))
        var commands = [["ZREMRANGEBYSCORE", WorkflowKeys.allRuns, "-inf", "(" + cutoff]]
        for status in RunStatus.allCases where status.isTerminal {
            commands.append(["ZREMRANGEBYSCORE", WorkflowKeys.runsIn(status.rawValue), "-inf", "(" + cutoff])
        }
        for id in workflowIDs { commands.append(["ZREMRANGEBYSCORE", WorkflowKeys.runsOf(id), "-inf", "(" + cutoff]) }
        try check(try await redis.pipeline(commands))
    }

    // MARK: Locking

    /// Runs `body` holding the run's lock, waiting for it (up to `wait`) rather than giving
    /// up: an approval, a result and a cancel arriving together are applied one after the
    /// other, and none is lost. Throws `WorkflowStoreError.busy` if the lock never frees.
    public func withRunLock<T: Sendable>(
        _ runID: String, wait: Duration = .seconds(10), _ body: () async throws -> T
    ) async throws -> T {
        let lock = RedisLock(redis: redis, key: WorkflowKeys.runLock(runID), ttl: 30)
        let deadline = ContinuousClock.now + wait
        var pause = Duration.milliseconds(2)
        while try await !lock.acquire() {
            guard ContinuousClock.now < deadline else { throw WorkflowStoreError.busy(runID) }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(100))
        }
        do {
            let value = try await body()
            try? await lock.release()
            return value
        } catch {
            try? await lock.release()
            throw error
        }
    }

    private func check(_ replies: [RedisValue]) throws {
        for reply in replies { if case .error(let message) = reply { throw WorkflowStoreError.redis(message) } }
    }
}

public enum WorkflowStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case busy(String)
    case redis(String)

    public var description: String {
        switch self {
        case .busy(let id): "workflow run \(id) is busy, retry"
        case .redis(let message): "redis: \(message)"
        }
    }
}
