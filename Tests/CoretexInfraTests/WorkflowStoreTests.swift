import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexTestSupport
import Foundation
import Synchronization
import Testing

@Suite(.serialized) struct WorkflowStoreTests {
    @Test func runsMoveBetweenStatusIndexesAndFinishedRunsExpire() async throws {
        let servers = try TestServers()
        let redis = RedisClient(url: servers.redisURL)
        defer { redis.close() }
        let store = WorkflowStore(redis: redis, runTTL: 60)
        var workflow = Workflow(id: "wf")
        workflow.orgID = "acme"
        try await store.save(workflow)
        #expect(try await store.workflow("wf")?.orgID == "acme")
        #expect(try await store.workflows(org: "acme").map(\.id) == ["wf"])
        #expect(try await store.workflows(org: "other").isEmpty)

        var run = WorkflowRun(id: "r1", workflowID: "wf", createdAt: Date())
        try await store.save(run)
        #expect(try await store.runIDs(in: WorkflowKeys.runsIn("pending"), limit: 10) == ["r1"])
        run.status = .running
        try await store.save(run)
        #expect(try await store.runIDs(in: WorkflowKeys.runsIn("pending"), limit: 10).isEmpty)
        #expect(try await store.runIDs(in: WorkflowKeys.runsIn("running"), limit: 10) == ["r1"])
        #expect(try await redis.command("TTL", WorkflowKeys.run("r1")) == .integer(-1))
        run.status = .succeeded
        try await store.save(run)
        #expect(try await store.runIDs(in: WorkflowKeys.runsIn("running"), limit: 10).isEmpty)
        let ttl = try await redis.command("TTL", WorkflowKeys.run("r1")).int ?? 0
        #expect(ttl > 0 && ttl <= 60)
        #expect(try await store.run("r1")?.status == .succeeded)
        #expect(try await store.runIDs(in: WorkflowKeys.runsOf("wf"), limit: 10) == ["r1"])

        // Index entries older than the TTL are trimmed (the run itself has expired by then).
        try await store.trimIndexes(workflowIDs: ["wf"], now: Date().addingTimeInterval(3600))
        #expect(try await store.runIDs(in: WorkflowKeys.runsOf("wf"), limit: 10).isEmpty)
        #expect(try await store.runIDs(in: WorkflowKeys.allRuns, limit: 10).isEmpty)
    }

    /// Many writers of one run, each a read-modify-write under the run lock: none is lost.
    @Test func concurrentWritersUnderTheRunLockLoseNothing() async throws {
        let servers = try TestServers()
        let redis = RedisClient(url: servers.redisURL, poolSize: 4)
        defer { redis.close() }
        let store = WorkflowStore(redis: redis)
        try await store.save(WorkflowRun(id: "r", workflowID: "wf", createdAt: Date()))
        let writers = 40
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<writers {
                group.addTask {
                    try await store.withRunLock("r") {
                        var run = try #require(try await store.run("r"))
                        run.labels["w\(i)"] = "x"
                        await Task.yield()
                        try await store.save(run)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.run("r")?.labels.count == writers)
        #expect(try await redis.command("EXISTS", WorkflowKeys.runLock("r")) == .integer(0))
    }

    @Test func aLockThatNeverFreesIsReportedBusy() async throws {
        let servers = try TestServers()
        let redis = RedisClient(url: servers.redisURL)
        defer { redis.close() }
        let store = WorkflowStore(redis: redis)
        try await redis.command("SET", WorkflowKeys.runLock("r"), "someone-else", "EX", "30")
        await #expect(throws: WorkflowStoreError.busy("r")) {
            try await store.withRunLock("r", wait: .milliseconds(100)) {}
        }
        // Someone else's lock is left alone.
        #expect(try await redis.command("GET", WorkflowKeys.runLock("r")).text == "someone-else")
    }
}
