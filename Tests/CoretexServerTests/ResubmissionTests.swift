import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexTestSupport
import Foundation
import ServiceLifecycle
import Synchronization
import Testing

@testable import CoretexGateway
@testable import CoretexRuntime
@testable import CoretexSafety
@testable import CoretexScheduler
@testable import CoretexWorkers

/// A job submitted while no scheduler listens is not lost: core NATS drops the packet, and
/// the reconciler publishes it again from the copy kept at submission once a scheduler is back.
/// Real NATS and Redis.
@Suite(.serialized) struct ResubmissionTests {
    @Test func aJobSubmittedWhileNoSchedulerListensRunsOnceOneIsBack() async throws {
        let roles = try await InProcessRoles()
        defer { roles.close() }
        let c = roles.connections, logger = roles.logger
        let id = try await roles.gateway.submit(SubmitJobRequest(prompt: "nobody home", topic: "job.echo"), sender: "test").jobID
        #expect(try await c.store.state(id) == .pending)

        let scheduler = Scheduler(
            connections: c, pools: roles.pools, timeouts: TimeoutConfig(), safety: SafetyKernel(policy: nil),
            logger: logger)
        let services = ServiceGroup(
            services: [scheduler, WorkerRuntime(spec: .echo, handler: EchoWorker(), connections: c, logger: logger)],
            logger: logger)
        let running = Task { try await services.run() }
        // Everything on the bus, in the order the server passes it on: a marker published after
        // a scan on the reconciler's connection arrives after anything that scan published.
        let watcher = try await NATSBus.connect(url: roles.servers.natsURL, logger: logger)
        defer { watcher.close() }
        let marker = Array("after-the-scan".utf8)
        let seen = Mutex((markers: 0, resubmits: 0))
        let watch = try watcher.observe(">") { bytes in
            if Array(bytes) == marker {
                seen.withLock { $0.markers += 1 }
            } else if let packet = try? Coretex_Agent_V1_BusPacket(serializedBytes: Array(bytes)),
                packet.jobRequest.jobID == id, packet.senderID == "test"  // the submitted packet, not a dispatch
            {
                seen.withLock { $0.resubmits += 1 }
            }
        }
        defer { watch.unsubscribe() }
        try await watcher.flush()

        func check() async throws {
            #expect(await eventually { scheduler.registry.live().count == 1 }, "the echo worker is known")
            #expect(try await c.store.state(id) == .pending, "the packet went nowhere")
            // A scan not yet past the placement wait and its margin leaves the job alone (it
            // could be waiting for a worker in a scheduler's waiting room).
            let reconciler = Reconciler(connections: c, timeouts: TimeoutConfig(), logger: logger)
            await reconciler.scanOnce(now: Date().addingTimeInterval(30))
            try c.bus.publish("test.marker", marker)
            #expect(await eventually { seen.withLock { $0.markers } == 1 })
            #expect(seen.withLock { $0.resubmits } == 0)
            #expect(try await c.store.state(id) == .pending)
            await reconciler.scanOnce(now: Date().addingTimeInterval(46))
            #expect(try await eventually { try await c.store.state(id) == .succeeded }, "published again, then run")
            let result = String(decoding: try #require(try await c.store.blob(pointer: "redis://res:\(id)")), as: UTF8.self)
            #expect(result.contains("nobody home"))
            #expect(seen.withLock { $0.resubmits } == 1)
        }
        var failure: (any Error)?
        do { try await check() } catch { failure = error }
        await services.triggerGracefulShutdown()
        try await running.value
        if let failure { throw failure }
    }

    /// An outage strands more jobs than one page of the index: every one is published again,
    /// in one scan.
    @Test func everyStrandedJobIsPublishedAgainNotOnlyTheFirstPage() async throws {
        let roles = try await InProcessRoles()
        defer { roles.close() }
        let c = roles.connections
        let seen = Mutex(Set<String>())
        let watch = try c.bus.observe(Subjects.submit) { bytes in
            if let packet = try? Coretex_Agent_V1_BusPacket(serializedBytes: Array(bytes)) {
                _ = seen.withLock { $0.insert(packet.jobRequest.jobID) }
            }
        }
        defer { watch.unsubscribe() }
        try await c.bus.flush()
        var ids: Set<String> = []
        for n in 0..<450 {  // recorded, never published: as if the bus had nobody to deliver to
            var request = Coretex_Agent_V1_JobRequest()
            request.jobID = "stranded-\(n)"
            request.topic = "job.echo"
            let packet = Coretex_Agent_V1_BusPacket.request(request, traceID: request.jobID, senderID: "test").wireBytes
            try await c.store.create(
                request.jobID, meta: JobMeta.fields(of: request), traceID: request.jobID,
                deadlineUnix: nil, context: nil, submission: packet)
            ids.insert(request.jobID)
        }
        await Reconciler(connections: c, timeouts: TimeoutConfig(), logger: roles.logger).scanOnce(now: Date().addingTimeInterval(46))
        #expect(await eventually { seen.withLock { $0 } == ids })
    }

    /// A copy of a job that is under way — a duplicate, or one published again when a
    /// scheduler was merely slow — reaches a scheduler that cannot place it: the job that runs
    /// must not end FAILED for it.
    @Test func aCopyThatCannotBePlacedLeavesTheRunningJobAlone() async throws {
        let roles = try await InProcessRoles()
        defer { roles.close() }
        let store = roles.connections.store
        let id = try await roles.gateway.submit(SubmitJobRequest(prompt: "x", topic: "job.echo"), sender: "test").jobID
        let packet = try Coretex_Agent_V1_BusPacket(serializedBytes: try #require(try await store.submissions([id])[id]))
        #expect(try await store.apply(id, StateChange(path: [.scheduled, .dispatched, .running], from: [.pending])).applied)
        #expect(try await store.submissions([id]).isEmpty, "the kept packet goes when the job leaves PENDING")

        var timeouts = TimeoutConfig()
        timeouts.placementWaitSeconds = 0  // no worker, and no waiting for one: fail at once
        let scheduler = Scheduler(
            connections: roles.connections, pools: roles.pools, timeouts: timeouts,
            safety: SafetyKernel(policy: nil), logger: roles.logger)
        await scheduler.handleSubmit(packet)
        #expect(try await store.state(id) == .running)
        #expect(try await store.deadLetter(id) == nil)
    }
}
