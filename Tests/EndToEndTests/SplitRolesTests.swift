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
    final class Deployment: @unchecked Sendable {
        let directory = NSTemporaryDirectory() + "coretex-split-\(UUID().uuidString.prefix(8))"
        let natsPort = LocalServers.freePort(), redisPort = LocalServers.freePort()
        let httpPort = LocalServers.freePort(), kernelPort = LocalServers.freePort()
        var processes: [ManagedProcess] = []
        var env = ProcessInfo.processInfo.environment

        init() throws {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            processes.append(try LocalServers.startNATS(port: natsPort, directory: directory))
            processes.append(try LocalServers.startRedis(port: redisPort, directory: directory))
            env["NATS_URL"] = "nats://127.0.0.1:\(natsPort)"
            env["REDIS_URL"] = "redis://127.0.0.1:\(redisPort)"
            env["GATEWAY_HTTP_ADDR"] = "127.0.0.1:\(httpPort)"
            env["SAFETY_KERNEL_ADDR"] = "127.0.0.1:\(kernelPort)"
            env["POOL_CONFIG_PATH"] = "\(Stack.root)/config/pools.yaml"
            env["SAFETY_POLICY_PATH"] = "\(Stack.root)/config/safety.yaml"
            env["TIMEOUT_CONFIG_PATH"] = "\(Stack.root)/config/timeouts.yaml"
            env["HEARTBEAT_INTERVAL_MS"] = "500"
            for key in ["API_KEY", "CORETEX_API_KEY", "CORETEX_SUPER_SECRET_API_TOKEN"] { env[key] = nil }
        }

        func start(_ name: String, _ arguments: [String], _ extra: [String: String] = [:]) throws {
            var e = env
            e["GATEWAY_GRPC_ADDR"] = "127.0.0.1:\(LocalServers.freePort())"
            e["GATEWAY_METRICS_ADDR"] = "127.0.0.1:\(LocalServers.freePort())"
            e["SCHEDULER_METRICS_ADDR"] = "127.0.0.1:\(LocalServers.freePort())"
            e.merge(extra) { _, new in new }
            processes.append(
                try ManagedProcess(
                    name: name, executable: Stack.binary, arguments: arguments,
                    environment: e, logFile: "\(directory)/\(name).log"))
        }

        func submit(_ body: String) async throws -> String {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(httpPort)/api/v1/jobs")!)
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
            let (data, _) = try await URLSession.shared.data(for: request)
            return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["job_id"] as? String ?? ""
        }

        func detail(_ id: String) async -> [String: Any] {
            guard let (data, _) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(httpPort)/api/v1/jobs/\(id)")!)
            else { return [:] }
            return (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        }

        func log(_ name: String) -> String { (try? String(contentsOfFile: "\(directory)/\(name).log", encoding: .utf8)) ?? "" }

        /// Waits until the gateway listens and every scheduler has subscribed: a job published
        /// before any scheduler listens would wait PENDING for nobody.
        func ready(schedulers: [String]) async -> Bool {
            await eventually(timeout: .seconds(20)) {
                LocalServers.canConnect(port: self.httpPort) && schedulers.allSatisfy { self.log($0).contains("scheduler started") }
            }
        }

        deinit {
            for p in processes.reversed() { p.stop() }
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    @Test func separateProcessesRunJobsWithTheKernelOverGRPCAndTwoSchedulers() async throws {
        let d = try Deployment()
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

    @Test func anUnreachableKernelFailsClosedWithAReason() async throws {
        let d = try Deployment()
        try d.start("scheduler", ["scheduler"], ["SAFETY_KERNEL_WAIT_SECONDS": "1"])  // no safety kernel listening
        try d.start("worker", ["worker", "echo"])
        try d.start("gateway", ["gateway"])
        #expect(await d.ready(schedulers: ["scheduler"]))
        let id = try await d.submit(#"{"topic":"job.echo","prompt":"x"}"#)
        #expect(await eventually(timeout: .seconds(20)) { await d.detail(id)["state"] as? String == "DENIED" })
        let reason = await d.detail(id)["safety_reason"] as? String ?? ""
        #expect(reason.hasPrefix("safety kernel error:") || reason.hasPrefix("safety kernel circuit"))
    }

    @Test func modelWorkersUseARemoteContextEngineAndGoOnWithoutIt() async throws {
        let fake = try await FakeOllamaProcess()
        let d = try Deployment()
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
