import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexTestSupport
import Foundation
import ServiceLifecycle
import Testing

@testable import CoretexRuntime
@testable import CoretexSafety
@testable import CoretexScheduler
@testable import CoretexWorkers

/// An orchestrator's progress is its children's records: a parent that runs again (its worker
/// was killed) reads back the children an earlier run finished instead of running them again,
/// and waits for the one still under way. Real NATS and Redis, a scheduler and an echo worker.
@Suite(.serialized) struct ChildJobsTests {
    @Test func aParentThatRunsAgainResumesFromItsChildrensRecords() async throws {
        let roles = try await InProcessRoles()
        defer { roles.close() }
        let c = roles.connections, logger = roles.logger
        let scheduler = Scheduler(
            connections: c, pools: roles.pools, timeouts: TimeoutConfig(), safety: SafetyKernel(policy: nil), logger: logger)
        let worker = WorkerRuntime(spec: .echo, handler: EchoWorker(), connections: c, logger: logger)
        let services = ServiceGroup(services: [scheduler, worker], logger: logger)
        let running = Task { try await services.run() }
        var failure: (any Error)?
        do {
            let children = ChildJobs(connections: c, waiter: try ResultWaiter(bus: c.bus, logger: logger), logger: logger)
            let parent = JobInput(
                request: JobLifecycle.request(id: "parent-1", topic: "job.workflow.demo", tenant: "t"), context: nil,
                workerID: "worker-orchestrator")
            let first = try await children.run(
                step: "plan", topic: "job.echo", context: .object(["prompt": .string("first run")]), parent: parent,
                timeoutSeconds: 20, retries: 0)
            #expect(first.id == "parent-1:plan@1")
            #expect("\(first.result ?? .null)".contains("first run"))

            // The parent runs again: the same step reads the child back; nothing runs twice.
            let again = try await children.run(
                step: "plan", topic: "job.echo", context: .object(["prompt": .string("first run")]), parent: parent,
                timeoutSeconds: 20, retries: 0)
            #expect(again.id == first.id)
            #expect(again.result == first.result)
            let history = try #require(try await c.store.detail(first.id)).events.map(\.state)
            #expect(history.filter { $0 == "RUNNING" }.count == 1, "the child ran once: \(history)")
            #expect(try await c.store.traceMembers(parent.id).count == 1)
        } catch { failure = error }
        await services.triggerGracefulShutdown()
        try await running.value
        if let failure { throw failure }
    }
}
