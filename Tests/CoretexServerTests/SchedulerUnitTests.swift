import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexTestSupport
import Foundation
import Logging
import Synchronization
import Testing

@testable import CoretexRuntime
@testable import CoretexSafety
@testable import CoretexScheduler

/// The scheduler's decisions on an in-memory bus and job store: no servers, so these run in
/// milliseconds and say exactly which rule failed. The same paths run on real NATS and Redis
/// in the component and end-to-end tests.
@Suite struct SchedulerUnitTests {
    /// Allows every topic but those listed.
    struct DenyTopics: SafetyChecking {
        var denied: Set<String>
        func check(_ request: Coretex_Agent_V1_PolicyCheckRequest) async -> Coretex_Agent_V1_PolicyCheckResponse {
            var response = Coretex_Agent_V1_PolicyCheckResponse()
            response.decision = denied.contains(request.topic) ? .deny : .allow
            if denied.contains(request.topic) { response.reason = "topic \(request.topic) is not allowed" }
            return response
        }
    }

    /// A scheduler running on fakes, a worker `w1` of the echo pool heartbeating on them, and
    /// what reached that worker.
    final class Received: Sendable {
        let jobs = Mutex<[Coretex_Agent_V1_JobRequest]>([])
    }

    final class Harness: Sendable {
        let bus = InMemoryBus()
        let store = InMemoryJobStore()
        let logger = Logger(label: "test")
        let received = Received()
        let scheduler: Scheduler
        let running: Task<Void, Error>
        let worker: BusSubscription

        init(denied: Set<String> = [], safety: (any SafetyChecking)? = nil, placementWait: Int = 30) throws {
            var timeouts = TimeoutConfig()
            timeouts.placementWaitSeconds = placementWait
            scheduler = Scheduler(
                bus: bus, store: store, pools: PoolRouting(topics: ["job.echo": "echo", "job.chat.simple": "chat"]),
                timeouts: timeouts, safety: safety ?? DenyTopics(denied: denied), logger: logger, safetyWait: .zero)
            worker = try bus.observePackets(Subjects.worker("w1"), logger: logger) { [received] packet in
                received.jobs.withLock { $0.append(packet.jobRequest) }
            }
            running = Task { [scheduler] in try await scheduler.run() }
        }

        /// Waits until the scheduler listens (its heartbeat subscription records a worker).
        func heartbeat(pool: String = "echo") async {
            var hb = Coretex_Agent_V1_Heartbeat()
            hb.workerID = "w1"
            hb.pool = pool
            hb.maxParallelJobs = 4
            var packet = Coretex_Agent_V1_BusPacket(traceID: "hb", senderID: "w1")
            packet.heartbeat = hb
            _ = await eventually {
                bus.publish(Subjects.heartbeat, packet, logger: logger)
                return !scheduler.registry.snapshot().isEmpty
            }
        }

        func submit(_ topic: String) async throws -> String {
            let lifecycle = JobLifecycle(bus: bus, store: store, senderID: "test", logger: logger)
            let request = JobLifecycle.request(topic: topic, tenant: "t")
            try await lifecycle.submit(request, traceID: request.jobID, context: "{}")
            return request.jobID
        }

        func stop() {
            running.cancel()
            bus.close()
        }
    }

    @Test func anAllowedJobIsDispatchedToALiveWorkerOfItsPool() async throws {
        let h = try Harness()
        defer { h.stop() }
        await h.heartbeat()
        let id = try await h.submit("job.echo")
        #expect(await eventually { h.received.jobs.withLock { $0.map(\.jobID) } == [id] })
        #expect(try await h.store.state(id) == .dispatched)
        let meta = try await h.store.meta(id)
        #expect(meta["worker_id"] == "w1" && meta["safety_decision"] == "ALLOW")
        #expect(h.store.appliedChanges.map(\.1) == [.pending, .dispatched])
    }

    @Test func aDeniedJobEndsDeniedAndIsNeverDispatched() async throws {
        let h = try Harness(denied: ["job.echo"])
        defer { h.stop() }
        await h.heartbeat()
        let id = try await h.submit("job.echo")
        #expect(try await eventually { try await h.store.state(id) == .denied })
        #expect(try await h.store.meta(id)["safety_reason"] == "topic job.echo is not allowed")
        let results = h.bus.published.filter { $0.subject == Subjects.result }
        #expect(results.count == 1, "the denial is announced once")
        #expect(h.received.jobs.withLock { $0.isEmpty })
    }

    @Test func aWorkersResultEndsTheJob() async throws {
        let h = try Harness()
        defer { h.stop() }
        await h.heartbeat()
        let id = try await h.submit("job.echo")
        #expect(try await eventually { try await h.store.state(id) == .dispatched })
        var result = Coretex_Agent_V1_JobResult()
        result.jobID = id
        result.status = .succeeded
        result.workerID = "w1"
        result.resultPtr = JobKeys.pointer(JobKeys.result(id))
        h.bus.publish(Subjects.result, .result(result, traceID: id, senderID: "w1"), logger: h.logger)
        #expect(try await eventually { try await h.store.state(id) == .succeeded })
        #expect(try await h.store.deadLetter(id) == nil)
    }

    /// A kernel that cannot be asked the first `failures` times.
    final class FlakyKernel: SafetyChecking {
        let left: Mutex<Int>
        init(failures: Int) { left = Mutex(failures) }
        func check(_ request: Coretex_Agent_V1_PolicyCheckRequest) async throws(SafetyUnavailable)
            -> Coretex_Agent_V1_PolicyCheckResponse
        {
            let fail = left.withLock { n in
                defer { n -= 1 }
                return n > 0
            }
            if fail { throw SafetyUnavailable("safety kernel error: unavailable") }
            var response = Coretex_Agent_V1_PolicyCheckResponse()
            response.decision = .allow
            return response
        }
    }

    /// No verdict is no denial: the job waits while the kernel cannot be asked, and runs once
    /// it answers; past the placement wait it fails (retryable from the dead-letter queue).
    @Test func aJobWaitsWhileTheSafetyKernelCannotBeAsked() async throws {
        let h = try Harness(safety: FlakyKernel(failures: 2))
        defer { h.stop() }
        await h.heartbeat()
        let id = try await h.submit("job.echo")
        #expect(try await eventually { try await h.store.state(id) == .dispatched })
        #expect(try await h.store.meta(id)["safety_decision"] == "ALLOW")
        #expect(h.store.appliedChanges.map(\.1) == [.pending, .dispatched], "never denied")

        let gaveUp = try Harness(safety: FlakyKernel(failures: .max), placementWait: 0)
        defer { gaveUp.stop() }
        await gaveUp.heartbeat()
        let late = try await gaveUp.submit("job.echo")
        #expect(try await eventually { try await gaveUp.store.state(late) == .failed })
        #expect(
            try await gaveUp.store.deadLetter(late)?.reason
                == "safety kernel error: unavailable (waited 0 s for the safety kernel)")
    }

    /// What a durable delivery is told after its handling: acknowledged when handled, given
    /// back (to come again) after a store error, and on its last delivery the job ends FAILED
    /// with the reason and the message is never delivered again.
    @Test func aDeliveryIsSettledByWhatItsHandlingDid() async throws {
        let h = try Harness()
        defer { h.stop() }
        let request = JobLifecycle.request(topic: "job.echo", tenant: "t")
        let id = request.jobID
        // Recorded, not published: only the test handles it.
        try await h.store.create(id, meta: JobMeta.fields(of: request), traceID: id, deadlineUnix: nil, context: "{}")
        let packet = Coretex_Agent_V1_BusPacket.request(request, traceID: id, senderID: "test")
        let told = Mutex<[String]>([])
        func delivery(_ number: Int) -> BusDelivery {
            BusDelivery(number: number) { what in told.withLock { $0.append("\(number):\(what)") } }
        }
        struct StoreAway: Error {}
        await h.scheduler.settle(delivery(1), of: packet, .submissions, failure: nil)
        await h.scheduler.settle(delivery(1), of: packet, .submissions, failure: StoreAway())
        await h.scheduler.settle(delivery(4), of: packet, .submissions, failure: StoreAway())
        #expect(told.withLock { $0 } == ["1:ack", "1:nak", "4:nak"])
        #expect(try await h.store.state(id) == .pending, "deliveries are left")
        await h.scheduler.settle(delivery(5), of: packet, .submissions, failure: StoreAway())
        #expect(told.withLock { $0.last } == "5:term")
        #expect(try await h.store.state(id) == .failed)
        #expect(try await h.store.deadLetter(id)?.reason?.hasPrefix("not handled after 5 deliveries: ") == true)
        #expect(DurableConsumer.submissions.backoff(afterDelivery: 1) == .seconds(1))
        #expect(DurableConsumer.submissions.backoff(afterDelivery: 4) == .seconds(10))
        #expect(DurableConsumer.submissions.backoff(afterDelivery: 9) == .seconds(10))
    }

    /// With no worker for the pool and no wait left, the job fails with the reason and a dead letter.
    @Test func aJobNoWorkerCanTakeFailsIntoTheDeadLetterQueue() async throws {
        let h = try Harness(placementWait: 0)
        defer { h.stop() }
        await h.heartbeat(pool: "echo")
        let id = try await h.submit("job.chat.simple")
        #expect(try await eventually { try await h.store.state(id) == .failed })
        #expect(try await h.store.deadLetter(id)?.topic == "job.chat.simple")
        #expect(h.received.jobs.withLock { $0.isEmpty })
    }

    /// The bus refusing the submission is the submitter's failure: FAILED, in the DLQ, and the
    /// scheduler never sees it.
    @Test func aSubmissionTheBusRefusesNeverReachesTheScheduler() async throws {
        let h = try Harness()
        defer { h.stop() }
        h.bus.refusing = true
        await #expect(throws: JobLifecycle.SubmitFailure.self) { _ = try await h.submit("job.echo") }
        let failed = h.store.appliedChanges.filter { $0.1 == .failed }
        #expect(failed.count == 1)
        #expect(try await h.store.deadLetter(failed[0].0)?.reason?.hasPrefix("failed to enqueue job") == true)
    }
}
