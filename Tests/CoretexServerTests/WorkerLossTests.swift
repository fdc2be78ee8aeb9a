import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import CoretexGateway
@testable import CoretexRuntime
@testable import CoretexSafety
@testable import CoretexScheduler
@testable import CoretexStack

/// A worker that dies holding a job: the scheduler ends the job once the worker's heartbeats
/// stop, instead of leaving it RUNNING until the running timeout (25 minutes).
/// Real NATS and Redis; the two workers are the test's own heartbeats and dispatch subjects.
@Suite(.serialized) struct WorkerLossTests {
    @Test func aJobOnAWorkerThatStopsHeartbeatingFailsWithADeadLetterAndACancel() async throws {
        let roles = try await InProcessRoles()
        defer { roles.close() }
        let c = roles.connections, gateway = roles.gateway, logger = roles.logger
        let scheduler = Scheduler(
            connections: c, pools: roles.pools, timeouts: TimeoutConfig(), safety: SafetyKernel(policy: nil),
            logger: logger, workerTTL: 3)
        let services = ServiceGroup(services: [scheduler], logger: logger)
        let running = Task { try await services.run() }

        // Two one-slot workers: "ghost" dies after it starts its job, "alive" keeps heartbeating.
        func heartbeat(_ id: String) throws {
            var hb = Coretex_Agent_V1_Heartbeat()
            hb.workerID = id
            hb.pool = "echo"
            hb.maxParallelJobs = 1
            var packet = Coretex_Agent_V1_BusPacket(traceID: "hb-\(id)", senderID: id)
            packet.heartbeat = hb
            try c.bus.publish(Subjects.heartbeat, packet.wireBytes)
        }
        let dispatched = Mutex<[String: String]>([:])  // job id → worker id
        let cancelled = Mutex<Set<String>>([])
        var subscriptions: [BusSubscription] = []
        for worker in ["worker-ghost", "worker-alive"] {
            subscriptions.append(
                try c.bus.observe(Subjects.worker(worker)) { bytes in
                    if let packet = try? Coretex_Agent_V1_BusPacket(serializedBytes: Array(bytes)) {
                        dispatched.withLock { $0[packet.jobRequest.jobID] = worker }
                    }
                })
        }
        subscriptions.append(
            try c.bus.observe(Subjects.cancel) { bytes in
                if let packet = try? Coretex_Agent_V1_BusPacket(serializedBytes: Array(bytes)) {
                    _ = cancelled.withLock { $0.insert(packet.jobRequest.jobID) }
                }
            })
        try await c.bus.flush()
        func beating(_ id: String) -> Task<Void, any Error> {
            Task {
                while !Task.isCancelled {
                    try heartbeat(id)
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
        }
        let ghost = beating("worker-ghost"), alive = beating("worker-alive")
        defer {
            ghost.cancel()
            alive.cancel()
            subscriptions.forEach { $0.unsubscribe() }
        }
        func check() async throws {
            #expect(await eventually { scheduler.registry.live().count == 2 })

            let store = c.store
            let first = try await gateway.submit(SubmitJobRequest(prompt: "a", topic: "job.echo"), sender: "test").jobID
            let second = try await gateway.submit(SubmitJobRequest(prompt: "b", topic: "job.echo"), sender: "test").jobID
            #expect(await eventually { dispatched.withLock { $0.count } == 2 }, "both jobs dispatched")
            let onGhost = dispatched.withLock { $0.first { $0.value == "worker-ghost" }?.key }
            let onAlive = dispatched.withLock { $0.first { $0.value == "worker-alive" }?.key }
            #expect(Set([onGhost, onAlive]) == Set([first, second]), "one job on each worker")
            let lost = try #require(onGhost), kept = try #require(onAlive)
            // The ghost starts its job, as a worker does, and dies: its heartbeats stop.
            #expect(try await store.apply(lost, StateChange(to: .running, from: [.dispatched])).applied)
            ghost.cancel()

            #expect(try await eventually { try await store.state(lost) == .failed }, "the lost worker's job ends")
            let meta = try await store.meta(lost)
            #expect(meta["state"] == "FAILED")
            let dead = try #require(try await store.deadLetter(lost))
            #expect(dead.reason == "worker worker-ghost lost: no heartbeat for 3 s")
            let result = String(decoding: try #require(try await store.blob(pointer: "redis://res:\(lost)")), as: UTF8.self)
            #expect(result.contains("worker worker-ghost lost"))
            #expect(await eventually { cancelled.withLock { $0.contains(lost) } }, "the lost worker is told to cancel")
            // The worker that kept heartbeating keeps its job.
            #expect(try await store.state(kept) == .dispatched)
            #expect(!cancelled.withLock { $0.contains(kept) })
        }

        var failure: (any Error)?
        do { try await check() } catch { failure = error }
        await services.triggerGracefulShutdown()
        try await running.value
        if let failure { throw failure }
    }
}
