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

/// A job submitted while no scheduler listens is not lost: its stream keeps it until a
/// scheduler consumes it. Without durable delivery (`BUS_DURABLE=false`) core NATS drops the
/// packet, and it is published again from the copy kept at submission — by the next scheduler
/// as it starts. As a last resort, in both modes, the reconciler publishes again a job past
/// the placement wait. Real NATS and Redis.
@Suite(.serialized) struct ResubmissionTests {
    /// Everything on the bus, in the order the server passes it on: a marker published after a
    /// step on the same connection arrives after anything that step published.
    final class BusWatch: Sendable {
        final class Counts: Sendable {
            let value = Mutex((markers: 0, resubmits: 0))
        }

        static let marker = Array("after-the-step".utf8)
        let counts = Counts()
        let subscription: BusSubscription
        let bus: NATSBus

        init(_ roles: InProcessRoles, job id: @escaping @Sendable () -> String) async throws {
            bus = try await NATSBus.connect(url: roles.servers.natsURL, logger: roles.logger)
            let counts = counts
            // `sys.>`: what roles publish, not the streams' deliveries (on `coretex.deliver.…`).
            subscription = try bus.observe("sys.>") { bytes in
                if Array(bytes) == Self.marker {
                    counts.value.withLock { $0.markers += 1 }
                } else if let packet = try? Coretex_Agent_V1_BusPacket(serializedBytes: Array(bytes)),
                    packet.jobRequest.jobID == id(), packet.senderID == "test"  // the submitted packet, not a dispatch
                {
                    counts.value.withLock { $0.resubmits += 1 }
                }
            }
            try await bus.flush()
        }

        var resubmits: Int { counts.value.withLock { $0.resubmits } }

        /// Waits until everything `connection` published before now has been seen.
        func settle(after connection: any MessageBus) async throws -> Bool {
            let before = counts.value.withLock { $0.markers }
            try connection.publish("sys.test.marker", Self.marker)
            return await eventually { self.counts.value.withLock { $0.markers } == before + 1 }
        }

        func close() {
            subscription.unsubscribe()
            bus.close()
        }
    }

    func schedulerAndEchoWorker(_ roles: InProcessRoles) -> (Scheduler, ServiceGroup) {
        let scheduler = Scheduler(
            connections: roles.connections, pools: roles.pools, timeouts: TimeoutConfig(), safety: SafetyKernel(policy: nil),
            logger: roles.logger)
        let worker = WorkerRuntime(spec: .echo, handler: EchoWorker(), connections: roles.connections, logger: roles.logger)
        return (scheduler, ServiceGroup(services: [scheduler, worker], logger: roles.logger))
    }

    /// The next scheduler to start receives it at once: from the stream, or, without durable
    /// delivery, because it publishes it again as it starts. No reconciler scan is needed.
    @Test(arguments: [true, false])
    func aJobSubmittedWhileNoSchedulerListensStartsWhenOneIsUp(durable: Bool) async throws {
        let roles = try await InProcessRoles(durable: durable)
        defer { roles.close() }
        let c = roles.connections
        let id = try await roles.gateway.submit(SubmitJobRequest(prompt: "nobody home", topic: "job.echo"), sender: "test").jobID
        let watch = try await BusWatch(roles) { id }
        defer { watch.close() }
        #expect(try await c.store.state(id) == .pending, "the packet went nowhere")

        let (_, services) = schedulerAndEchoWorker(roles)
        let running = Task { try await services.run() }
        var failure: (any Error)?
        do {
            #expect(try await eventually { try await c.store.state(id) == .succeeded }, "published again, then run")
            let result = String(decoding: try #require(try await c.store.blob(pointer: "redis://res:\(id)")), as: UTF8.self)
            #expect(result.contains("nobody home"))
            #expect(try await watch.settle(after: c.bus))
            if durable {
                #expect(watch.resubmits == 0, "delivered from the stream, not published again")
            } else {
                #expect(watch.resubmits == 1, "published again once, by the scheduler as it started")
            }
        } catch { failure = error }
        await services.triggerGracefulShutdown()
        try await running.value
        if let failure { throw failure }
    }

    /// A job whose packet a running scheduler never got (its holder died, say) waits for the
    /// reconciler, which leaves it alone while it could still be in a scheduler's waiting room
    /// (placement wait + margin) and publishes it again after that.
    @Test func theReconcilerPublishesAgainOnlyJobsPastThePlacementWait() async throws {
        let roles = try await InProcessRoles()
        defer { roles.close() }
        let c = roles.connections, logger = roles.logger
        let (scheduler, services) = schedulerAndEchoWorker(roles)
        let running = Task { try await services.run() }
        var request = JobLifecycle.request(topic: "job.echo", tenant: "t")
        request.jobID = "stranded-while-running"
        let id = request.jobID
        let watch = try await BusWatch(roles) { id }
        defer { watch.close() }
        var failure: (any Error)?
        do {
            #expect(await eventually { scheduler.registry.live().count == 1 }, "the echo worker is known")
            // Recorded, never published: as if the scheduler holding it had died.
            let packet = Coretex_Agent_V1_BusPacket.request(request, traceID: id, senderID: "test").wireBytes
            try await c.store.create(
                id, meta: JobMeta.fields(of: request), traceID: id, deadlineUnix: nil,
                context: #"{"prompt":"late"}"#, submission: packet)
            let reconciler = Reconciler(connections: c, timeouts: TimeoutConfig(), logger: logger)
            await reconciler.scanOnce(now: Date().addingTimeInterval(30))
            #expect(try await watch.settle(after: c.bus))
            #expect(watch.resubmits == 0)
            #expect(try await c.store.state(id) == .pending)
            await reconciler.scanOnce(now: Date().addingTimeInterval(46))
            #expect(try await eventually { try await c.store.state(id) == .succeeded }, "published again, then run")
            #expect(watch.resubmits == 1)
        } catch { failure = error }
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
        #expect(try await store.submissions([id])[id] != nil, "the kept packet stays while the job is under way")

        var timeouts = TimeoutConfig()
        timeouts.placementWaitSeconds = 0  // no worker, and no waiting for one: fail at once
        let scheduler = Scheduler(
            connections: roles.connections, pools: roles.pools, timeouts: timeouts,
            safety: SafetyKernel(policy: nil), logger: roles.logger)
        try await scheduler.handleSubmit(packet)
        #expect(try await store.state(id) == .running)
        #expect(try await store.deadLetter(id) == nil)
    }
}
