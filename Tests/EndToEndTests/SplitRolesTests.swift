import CoretexInfra
import CoretexTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Every role as its own process, as in production: gateway, two scheduler replicas, the
/// safety kernel over gRPC, and a worker — connected only through NATS and Redis.
@Suite(.serialized) struct SplitRolesTests {
    @Test func separateProcessesRunJobsWithTheKernelOverGRPCAndTwoSchedulers() async throws {
        let d = try SplitDeployment()
        try d.start("safety-kernel", ["safety-kernel"])
        try d.start("scheduler-a", ["scheduler"])
        try d.start("scheduler-b", ["scheduler"])
        try d.start("worker", ["worker", "echo"])
        try d.start("gateway", ["gateway"])
        #expect(await d.ready(schedulers: ["scheduler-a", "scheduler-b"]))

        var ids: [String] = []
        for i in 0..<10 { ids.append(try await d.submit(#"{"topic":"job.echo","prompt":"split \#(i)"}"#)) }
        for id in ids {
            let done = await eventually(timeout: .seconds(20)) { await d.detail(id)["state"] as? String == "SUCCEEDED" }
            let last = await d.detail(id)
            #expect(done, "\(id): \(last)\n\(d.log("scheduler-a"))")
        }
        // Each job was dispatched exactly once, by one of the replicas.
        for id in ids {
            let history = (await d.detail(id)["events"] as? [[String: Any]] ?? []).compactMap { $0["state"] as? String }
            #expect(history == ["PENDING", "SCHEDULED", "DISPATCHED", "RUNNING", "SUCCEEDED"])
        }
        // The kernel's policy applies through gRPC too.
        let denied = try await d.submit(#"{"topic":"job.echo","prompt":"x","tenant_id":"restricted"}"#)
        #expect(await eventually { await d.detail(denied)["state"] as? String == "DENIED" })
        #expect(await d.detail(denied)["safety_reason"] as? String == "topic 'job.echo' not allowed by tenant policy")
    }

    /// Fail closed without denying what the kernel never judged: while it cannot be asked, a
    /// job waits (PENDING, nothing dispatched); once it answers, the job runs.
    @Test func anUnreachableKernelHoldsJobsUntilItAnswers() async throws {
        let d = try SplitDeployment()
        try d.start("scheduler", ["scheduler"], ["SAFETY_KERNEL_WAIT_SECONDS": "1"])  // no safety kernel listening
        try d.start("worker", ["worker", "echo"])
        try d.start("gateway", ["gateway"])
        #expect(await d.ready(schedulers: ["scheduler"]))
        let id = try await d.submit(#"{"topic":"job.echo","prompt":"x"}"#)
        #expect(await eventually(timeout: .seconds(20)) { d.log("scheduler").contains("safety kernel call failed") })
        #expect(await d.detail(id)["state"] as? String == "PENDING", "held, not denied")
        try d.start("safety-kernel", ["safety-kernel"])
        #expect(await eventually(timeout: .seconds(20)) { await d.detail(id)["state"] as? String == "SUCCEEDED" })
        #expect(await d.detail(id)["safety_decision"] as? String == "ALLOW")
    }

    @Test func modelWorkersUseARemoteContextEngineAndGoOnWithoutIt() async throws {
        let fake = try await FakeOllamaProcess()
        let d = try SplitDeployment()
        let enginePort = LocalServers.freePort()
        let extra = ["CONTEXT_ENGINE_ADDR": "127.0.0.1:\(enginePort)", "OLLAMA_URL": fake.url]
        try d.start("safety-kernel", ["safety-kernel"])
        try d.start("scheduler", ["scheduler"])
        try d.start("context-engine", ["context-engine"], extra)
        let engine = d.processes.last!
        try d.start("worker", ["worker", "chat-advanced"], extra)
        try d.start("gateway", ["gateway"])
        #expect(await d.ready(schedulers: ["scheduler"]))
        // The worker calls the engine without waiting for it (a down engine must not stall
        // jobs), so the first turn may only go once the engine listens.
        #expect(await eventually(timeout: .seconds(20)) { LocalServers.canConnect(port: enginePort) })

        func turn(_ prompt: String) async throws -> [String: Any] {
            let id = try await d.submit(#"{"topic":"job.chat.advanced","prompt":"\#(prompt)","memory_id":"split-mem"}"#)
            let done = await eventually(timeout: .seconds(20)) { await d.detail(id)["state"] as? String == "SUCCEEDED" }
            let detail = await d.detail(id)
            #expect(done, "\(detail)\n\(d.log("worker"))")
            return detail["result"] as? [String: Any] ?? [:]
        }
        _ = try await turn("first")
        let second = try await turn("second")
        #expect(second["warnings"] as? [String] == [])
        let sent = (try await fake.requests(to: "/api/chat").last?["body"] as? [String: Any])?["messages"] as? [[String: String]]
        #expect(sent?.map { $0["content"] ?? "" } == ["first", "[mock] first", "second"])

        // Without the engine the worker still answers, without history, and says why.
        engine.stop()
        let alone = try await turn("third")
        #expect(alone["response"] as? String == "[mock] third")
        #expect((alone["warnings"] as? [String])?.first?.hasPrefix("context engine unavailable") == true)
    }
}
