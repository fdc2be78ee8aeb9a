import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexTestSupport
import Foundation
import Logging
import Synchronization
import Testing

@testable import CoretexRuntime

/// Every kind of ending, carried out by `JobLifecycle` on real NATS and Redis: the state, the
/// dead letter, the fallback result (signed by whoever ended the job), the result event, the
/// dead-letter notice and the cancel, each present exactly when `JobEnding` says so.
@Suite(.serialized) struct JobLifecycleTests {
    /// What one ending left behind.
    struct Trace {
        var state: JobState?
        var deadLetter: DLQEntry?
        var result: JSONValue?
        var events: [String: [Coretex_Agent_V1_BusPacket]]
    }

    /// Creates a job, moves it to `start`, ends it as `ending` and records what happened. A
    /// marker published after the ending on each subject proves the absence of a message
    /// (NATS keeps one connection's messages in order).
    func end(_ ending: JobEnding, startingIn start: JobState = .dispatched, sender: String = "tester") async throws -> Trace {
        let roles = try await InProcessRoles()
        defer { roles.close() }
        let c = roles.connections
        let lifecycle = JobLifecycle(connections: c, senderID: sender, logger: roles.logger)
        let id = JobLifecycle.newID()
        let seen = Mutex<[String: [Coretex_Agent_V1_BusPacket]]>([:])
        let subjects = [Subjects.result, Subjects.dlq, Subjects.cancel]
        let subscriptions = try subjects.map { subject in
            try c.bus.observePackets(subject, logger: roles.logger) { packet in
                seen.withLock { $0[subject, default: []].append(packet) }
            }
        }
        defer { subscriptions.forEach { $0.unsubscribe() } }
        try await c.bus.flush()

        try await lifecycle.submit(JobLifecycle.request(id: id, topic: "job.echo", tenant: "t"), traceID: id, context: "{}")
        if start != .pending {
            #expect(try await c.store.apply(id, StateChange(path: [.scheduled, .dispatched], from: [.pending])).applied)
        }
        if start == .running { #expect(try await c.store.apply(id, StateChange(to: .running)).applied) }
        let ended = try await lifecycle.end(id, ending)
        #expect(ended.applied && ended.topic == "job.echo")

        for subject in subjects {
            c.bus.publish(
                subject, .result(Coretex_Agent_V1_JobResult.with { $0.jobID = "marker" }, traceID: "m", senderID: "m"),
                logger: roles.logger)
        }
        #expect(await eventually { seen.withLock { s in subjects.allSatisfy { s[$0]?.last?.jobResult.jobID == "marker" } } })
        let events = seen.withLock { s in
            s.mapValues { $0.filter { $0.jobResult.jobID == id || $0.jobRequest.jobID == id } }
        }
        let blob = try await c.store.blob(pointer: JobKeys.pointer(JobKeys.result(id)))
        return Trace(
            state: try await c.store.state(id), deadLetter: try await c.store.deadLetter(id),
            result: blob.flatMap { JSONValue.parse($0) }, events: events)
    }

    func expectFallback(_ trace: Trace, status: String, reason: String, by sender: String = "tester") {
        #expect(trace.result?["status"]?.stringValue == status)
        #expect(trace.result?["error"]?["message"]?.stringValue == reason)
        #expect(trace.result?["processed_by"]?.stringValue == sender)
    }

    @Test func aWorkersSuccessIsRecordedWithoutDeadLetterOrEvents() async throws {
        let t = try await end(.reported(.succeeded, message: ""), startingIn: .running)
        #expect(t.state == .succeeded && t.deadLetter == nil && t.result == nil)
        #expect(t.events.values.allSatisfy { $0.isEmpty })
    }

    @Test func aWorkersFailureIsADeadLetterWithANoticeAndNoSecondResultEvent() async throws {
        let t = try await end(.reported(.failed, message: "boom"), startingIn: .running)
        #expect(t.state == .failed && t.deadLetter?.reason == "boom" && t.deadLetter?.status == "JOB_STATUS_FAILED")
        expectFallback(t, status: "JOB_STATUS_FAILED", reason: "boom")
        #expect(t.events[Subjects.dlq]?.count == 1)
        #expect(t.events[Subjects.result, default: []].isEmpty && t.events[Subjects.cancel, default: []].isEmpty)
    }

    @Test func aDenialIsAnnouncedButNotADeadLetter() async throws {
        let t = try await end(.denied(reason: "topic not allowed"), startingIn: .pending)
        #expect(t.state == .denied && t.deadLetter == nil && t.result == nil)
        #expect(t.events[Subjects.result]?.map(\.jobResult.status) == [.denied])
        #expect(t.events[Subjects.dlq, default: []].isEmpty && t.events[Subjects.cancel, default: []].isEmpty)
    }

    @Test func aCancelTellsTheWorkerAndIsSignedByItsSender() async throws {
        let t = try await end(.cancelled(reason: "cancelled via api"), sender: "api-gateway")
        #expect(t.state == .cancelled && t.deadLetter == nil)
        expectFallback(t, status: "JOB_STATUS_CANCELLED", reason: "cancelled via api", by: "api-gateway")
        #expect(t.events[Subjects.result]?.map(\.jobResult.status) == [.cancelled])
        #expect(t.events[Subjects.cancel]?.count == 1 && t.events[Subjects.dlq, default: []].isEmpty)
    }

    @Test func aCancelSeenOnTheBusIsRecordedAndAnnouncedNotRepeated() async throws {
        let t = try await end(.cancelledOnBus(reason: "by script"))
        #expect(t.state == .cancelled)
        #expect(t.events[Subjects.result]?.count == 1 && t.events[Subjects.cancel, default: []].isEmpty)
    }

    @Test func aTimeoutIsADeadLetterAnnouncedAndCancelled() async throws {
        let t = try await end(.timedOut(reason: "deadline exceeded"), startingIn: .running)
        #expect(t.state == .timeout && t.deadLetter?.status == "JOB_STATUS_TIMEOUT")
        expectFallback(t, status: "JOB_STATUS_TIMEOUT", reason: "deadline exceeded")
        #expect(t.events[Subjects.result]?.first?.jobResult.resultPtr == JobKeys.pointer(JobKeys.result(t.deadLetter!.jobID)))
        #expect(t.events[Subjects.dlq]?.count == 1 && t.events[Subjects.cancel]?.count == 1)
    }

    @Test func aLostWorkersJobFailsAsADeadLetterAndIsCancelled() async throws {
        let t = try await end(.workerLost(reason: "worker w lost"))
        #expect(t.state == .failed && t.deadLetter?.reason == "worker w lost")
        #expect(t.events[Subjects.result]?.count == 1 && t.events[Subjects.dlq]?.count == 1 && t.events[Subjects.cancel]?.count == 1)
    }

    @Test func placementGivingUpFailsAPendingJobWithoutACancel() async throws {
        let t = try await end(.placementGaveUp(reason: "no worker"), startingIn: .pending)
        #expect(t.state == .failed && t.deadLetter?.reason == "no worker")
        expectFallback(t, status: "JOB_STATUS_FAILED", reason: "no worker")
        #expect(t.events[Subjects.result]?.count == 1 && t.events[Subjects.cancel, default: []].isEmpty)
    }

    /// A scheduler's ending applies to PENDING jobs only: a copy of a job already dispatched
    /// must not end the job that is running.
    @Test func placementGivingUpLeavesADispatchedJobAlone() async throws {
        let roles = try await InProcessRoles()
        defer { roles.close() }
        let lifecycle = JobLifecycle(connections: roles.connections, senderID: "tester", logger: roles.logger)
        let request = JobLifecycle.request(topic: "job.echo", tenant: "t")
        try await lifecycle.submit(request, traceID: request.jobID, context: nil)
        _ = try await roles.connections.store.apply(request.jobID, StateChange(path: [.scheduled, .dispatched], from: [.pending]))
        let ended = try await lifecycle.end(request.jobID, .placementGaveUp(reason: "late copy"))
        #expect(!ended.applied && ended.outcome == .rejected(current: .dispatched))
        #expect(try await roles.connections.store.state(request.jobID) == .dispatched)
    }

    /// The bus refusing a submission ends the job FAILED in the DLQ (its submitter gives up,
    /// so the reconciler must not publish it again) and the caller learns why.
    @Test func aSubmissionTheBusRefusesEndsFailedInTheDeadLetterQueue() async throws {
        let roles = try await InProcessRoles()
        defer { roles.close() }
        let lifecycle = JobLifecycle(connections: roles.connections, senderID: "tester", logger: roles.logger)
        var request = JobLifecycle.request(topic: "job.echo", tenant: "t")
        request.env["padding"] = String(repeating: "x", count: 1_100_000)  // over the server's 1 MB max_payload
        await #expect(throws: JobLifecycle.SubmitFailure.self) {
            try await lifecycle.submit(request, traceID: request.jobID, context: "{}")
        }
        let store = roles.connections.store
        #expect(try await store.state(request.jobID) == .failed)
        #expect(try await store.deadLetter(request.jobID)?.reason?.hasPrefix("failed to enqueue job") == true)
        #expect(try await store.submissions([request.jobID]).isEmpty, "a refused job is not published again")
    }

    /// Every submitter's request carries its tenant in both places a reader looks.
    @Test func everyRequestCarriesItsTenantTwice() {
        let request = JobLifecycle.request(id: "j", topic: "job.echo", tenant: "acme")
        #expect(request.tenantID == "acme" && request.env["tenant_id"] == "acme")
        #expect(request.contextPtr == JobKeys.pointer(JobKeys.context("j")))
        #expect(JobLifecycle.request(id: "k", topic: "job.echo", tenant: "a", hasContext: false).contextPtr.isEmpty)
    }
}
