import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexTestSupport
import Foundation
import ServiceLifecycle
import Synchronization
import Testing

@testable import CoretexServer

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

        let scheduler = Scheduler(connections: c, pools: roles.pools, timeouts: TimeoutConfig(), safety: SafetyKernel(policy: nil),
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
}
