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

/// A worker that dies holding a job: once the worker's heartbeats stop, the scheduler runs the
/// job again on a live worker, or, after its last run, ends it FAILED — instead of leaving it
/// RUNNING until the running timeout (25 minutes).
/// Real NATS and Redis; the two workers are the test's own heartbeats and dispatch subjects.
@Suite(.serialized) struct WorkerLossTests {
    @Test func aJobOnAWorkerThatStopsHeartbeatingRunsAgainOnALiveWorker() async throws {
        try await loseAWorker(maxAttempts: 2)
    }

    @Test func aJobOnItsLastRunFailsWithADeadLetterAndACancel() async throws {
        try await loseAWorker(maxAttempts: 1)
    }

    /// Killed and started again under the same id, faster than its time to live: the new
    /// lease in its heartbeats gives the loss away.
    @Test func aJobOnAWorkerThatRestartsUnderItsIDRunsAgain() async throws {
        try await loseAWorker(maxAttempts: 2, restart: true)
    }

    /// A scheduler that starts after a crash of the stack takes on what was dispatched before
    /// it (from the store): a job whose worker came back under a new lease runs again, one
    /// whose worker still holds its lease is left to finish.
    @Test func aSchedulerThatStartsTakesOnEarlierDispatches() async throws {
        let roles = try await InProcessRoles()
        defer { roles.close() }
        let c = roles.connections, logger = roles.logger
        func dispatchedEarlier(_ id: String, lease: String) async throws {
            let request = JobLifecycle.request(id: id, topic: "job.echo", tenant: "t")
            let packet = Coretex_Agent_V1_BusPacket.request(request, traceID: id, senderID: "test")
            try await c.store.create(
                id, meta: JobMeta.fields(of: request), traceID: id, deadlineUnix: nil, context: "{}",
                submission: packet.wireBytes)
            let change = StateChange(path: [.scheduled, .dispatched]).with("worker_id", "worker-back")
                .with("worker_lease", lease)
            #expect(try await c.store.apply(id, change).applied)
        }
        try await dispatchedEarlier("held-by-the-old-process", lease: "before-the-crash")
        try await dispatchedEarlier("held-by-the-live-process", lease: "after-the-crash")
        let runs = Mutex<[String]>([])
        let direct = try c.bus.observe(Subjects.worker("worker-back")) { bytes in
            if let packet = try? Coretex_Agent_V1_BusPacket(serializedBytes: Array(bytes)) {
                runs.withLock { $0.append(packet.jobRequest.jobID) }
            }
        }
        defer { direct.unsubscribe() }
        let beating = Task {
            var hb = Coretex_Agent_V1_Heartbeat()
            hb.workerID = "worker-back"
            hb.pool = "echo"
            hb.maxParallelJobs = 4
            hb.lease = "after-the-crash"
            var packet = Coretex_Agent_V1_BusPacket(traceID: "hb", senderID: "worker-back")
            packet.heartbeat = hb
            while !Task.isCancelled {
                try? c.bus.publish(Subjects.heartbeat, packet.wireBytes)
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        defer { beating.cancel() }
        let scheduler = Scheduler(
            connections: c, pools: roles.pools, timeouts: TimeoutConfig(), safety: SafetyKernel(policy: nil),
            logger: logger, workerTTL: 1)
        let services = ServiceGroup(services: [scheduler], logger: logger)
        let running = Task { try await services.run() }
        var failure: (any Error)?
        do {
            #expect(
                await eventually { runs.withLock { $0 } == ["held-by-the-old-process"] },
                "the job the old process held is dispatched again")
            #expect(try await c.store.meta("held-by-the-old-process")["worker_lease"] == "after-the-crash")
            #expect(try await c.store.meta("held-by-the-old-process")["attempt"] == "2")
            #expect(try await c.store.state("held-by-the-live-process") == .dispatched)
            #expect(scheduler.registry.isOutstanding("held-by-the-live-process"), "taken on, to be watched")
        } catch { failure = error }
        await services.triggerGracefulShutdown()
        try await running.value
        if let failure { throw failure }
    }

    func loseAWorker(maxAttempts: Int, restart: Bool = false) async throws {
        let roles = try await InProcessRoles()
        defer { roles.close() }
        let c = roles.connections, gateway = roles.gateway, logger = roles.logger
        let scheduler = Scheduler(
            connections: c, pools: roles.pools, timeouts: TimeoutConfig(), safety: SafetyKernel(policy: nil),
            logger: logger, workerTTL: 3, maxAttempts: maxAttempts)
        let services = ServiceGroup(services: [scheduler], logger: logger)
        let running = Task { try await services.run() }

        // Two workers: "ghost" dies after it starts its job, "alive" keeps heartbeating; alive
        // has a second slot for the job that runs again.
        func heartbeat(_ id: String, lease: String) throws {
            var hb = Coretex_Agent_V1_Heartbeat()
            hb.workerID = id
            hb.lease = lease
            hb.pool = "echo"
            hb.maxParallelJobs = id == "worker-alive" ? 2 : 1
            var packet = Coretex_Agent_V1_BusPacket(traceID: "hb-\(id)", senderID: id)
            packet.heartbeat = hb
            try c.bus.publish(Subjects.heartbeat, packet.wireBytes)
        }
        let dispatched = Mutex<[String: String]>([:])  // job id → first worker id
        let runs = Mutex<[String: [(String, Int32)]]>([:])  // job id → (worker, attempt) per dispatch
        let cancelled = Mutex<Set<String>>([])
        var subscriptions: [BusSubscription] = []
        for worker in ["worker-ghost", "worker-alive"] {
            subscriptions.append(
                try c.bus.observe(Subjects.worker(worker)) { bytes in
                    if let packet = try? Coretex_Agent_V1_BusPacket(serializedBytes: Array(bytes)) {
                        dispatched.withLock { $0[packet.jobRequest.jobID, default: worker] = worker }
                        runs.withLock { $0[packet.jobRequest.jobID, default: []].append((worker, packet.attempt)) }
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
        func beating(_ id: String, lease: String) -> Task<Void, any Error> {
            Task {
                while !Task.isCancelled {
                    try heartbeat(id, lease: lease)
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
        }
        let ghost = beating("worker-ghost", lease: "first"), alive = beating("worker-alive", lease: "alive")
        let reborn = Mutex<Task<Void, any Error>?>(nil)
        defer {
            ghost.cancel()
            reborn.withLock { $0?.cancel() }
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
            if restart { reborn.withLock { $0 = beating("worker-ghost", lease: "second") } }

            if maxAttempts > 1 {
                #expect(
                    await eventually { runs.withLock { $0[lost]?.count } == 2 },
                    "the lost worker's job is dispatched again")
                #expect(runs.withLock { $0[lost]?.map(\.1) } == [0, 2], "as its second run")
                if !restart { #expect(runs.withLock { $0[lost]?.last?.0 } == "worker-alive", "to the live worker") }
                #expect(try await store.state(lost) == .dispatched)
                let meta = try await store.meta(lost)
                #expect(meta["attempt"] == "2")
                #expect(
                    meta["requeue_reason"]
                        == (restart ? "worker worker-ghost restarted under a new lease" : "worker worker-ghost lost: no heartbeat for 3 s"))
                #expect(try await store.deadLetter(lost) == nil)
                #expect(!cancelled.withLock { $0.contains(lost) }, "a cancel would stop the new run too")
            } else {
                #expect(try await eventually { try await store.state(lost) == .failed }, "the lost worker's job ends")
                let dead = try #require(try await store.deadLetter(lost))
                #expect(dead.reason == "worker worker-ghost lost: no heartbeat for 3 s (run 1 of 1)")
                let result = String(decoding: try #require(try await store.blob(pointer: "redis://res:\(lost)")), as: UTF8.self)
                #expect(result.contains("worker worker-ghost lost"))
                #expect(await eventually { cancelled.withLock { $0.contains(lost) } }, "the lost worker is told to cancel")
                #expect(runs.withLock { $0[lost]?.count } == 1)
            }
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
