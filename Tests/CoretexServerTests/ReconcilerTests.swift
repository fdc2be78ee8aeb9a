import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexTestSupport
import Foundation
import Logging
import Testing

@testable import CoretexGateway
@testable import CoretexRuntime
@testable import CoretexScheduler

/// The reconciler against real NATS and Redis.
@Suite(.serialized) struct ReconcilerTests {
    func connections(_ servers: TestServers) async throws -> Connections {
        var env = ProcessInfo.processInfo.environment
        env["NATS_URL"] = servers.natsURL
        env["REDIS_URL"] = "redis://127.0.0.1:\(servers.redisPort)"
        return try await Connections.open(settings: Settings(environment: env), logger: Logger(label: "test"))
    }

    @Test func aStuckJobTimesOutWithAResultEventADeadLetterAndACancel() async throws {
        let servers = try TestServers()
        let c = try await connections(servers)
        defer { c.close() }
        try await c.store.create("stuck", meta: [("topic", "job.echo")], traceID: "t", deadlineUnix: nil, context: nil)
        try await c.store.apply("stuck", StateChange(path: [.scheduled, .dispatched]))
        try await c.store.apply("stuck", StateChange(to: .running, from: [.dispatched]))
        try await c.store.create("fresh", meta: [("topic", "job.echo")], traceID: "t2", deadlineUnix: nil, context: nil)

        let results = try c.bus.subscribe(Subjects.result)
        let dlq = try c.bus.subscribe(Subjects.dlq)
        let cancels = try c.bus.subscribe(Subjects.cancel)
        try await c.bus.flush()

        var timeouts = TimeoutConfig()
        timeouts.runningTimeoutSeconds = 60
        let reconciler = Reconciler(connections: c, timeouts: timeouts, logger: Logger(label: "test"))
        // Seen from two minutes in the future, the RUNNING job is past its timeout; the fresh
        // PENDING one is still within placement wait + dispatch timeout.
        let later = Date().addingTimeInterval(120)
        #expect(await reconciler.scanOnce(now: later) == 1)
        #expect(try await c.store.state("stuck") == .timeout)
        #expect(try await c.store.state("fresh") == .pending)
        let entry = try #require(try await c.store.deadLetter("stuck"))
        #expect(entry.status == "JOB_STATUS_TIMEOUT")
        #expect(entry.topic == "job.echo")

        for (name, subscription) in [("result", results), ("dlq", dlq), ("cancel", cancels)] {
            var iterator = subscription.makeAsyncIterator()
            let message = try #require(await iterator.next(), "no \(name) message")
            let packet = try Coretex_Agent_V1_BusPacket(serializedBytes: message.data)
            #expect(packet.jobResult.jobID == "stuck" || packet.jobRequest.jobID == "stuck", "\(name)")
        }
        // Nothing left to do; a second pass changes nothing.
        #expect(await reconciler.scanOnce(now: later) == 0)
    }

    @Test func onlyOneReplicaScansAtATime() async throws {
        let servers = try TestServers()
        let c = try await connections(servers)
        defer { c.close() }
        try await c.store.create("old", meta: [("topic", "job.echo")], traceID: nil, deadlineUnix: nil, context: nil)
        let held = RedisLock(redis: c.redis, key: JobKeys.reconcilerLock, ttl: 60)
        #expect(try await held.acquire())
        let reconciler = Reconciler(connections: c, timeouts: TimeoutConfig(), logger: Logger(label: "test"))
        #expect(await reconciler.scanOnce(now: Date().addingTimeInterval(10_000)) == 0)
        try await held.release()
        #expect(await reconciler.scanOnce(now: Date().addingTimeInterval(10_000)) == 1)
    }

    @Test func deadlinesTimeOutJobsInAnyUnfinishedState() async throws {
        let servers = try TestServers()
        let c = try await connections(servers)
        defer { c.close() }
        let now = Int(Date().timeIntervalSince1970)
        try await c.store.create("d", meta: [("topic", "job.echo")], traceID: nil, deadlineUnix: now + 5, context: nil)
        let reconciler = Reconciler(connections: c, timeouts: TimeoutConfig(), logger: Logger(label: "test"))
        #expect(await reconciler.scanOnce(now: Date()) == 0)
        #expect(await reconciler.scanOnce(now: Date().addingTimeInterval(10)) == 1)
        #expect(try await c.store.detail("d")?.errorMessage == "deadline exceeded")
    }
}
