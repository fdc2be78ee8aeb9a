import CoretexInfra
import CoretexProtocol
import CoretexTestSupport
import Foundation
import Testing

/// The job spine over HTTP and WS only: submit → scheduler → echo worker → result.
@Suite(.serialized) struct EchoPathTests {
    @Test func anEchoJobSucceedsAndIsObservableEverywhere() async throws {
        let stack = try await Stack().ready()
        let stream = StreamRecorder(url: "ws://127.0.0.1:\(stack.httpPort)/api/v1/stream?api_key=test-key")
        defer { stream.stop() }
        #expect(await eventually { stream.isConnected })

        let (id, trace) = try await stack.submit(#"{"topic":"job.echo","prompt":"hi","adapter_id":"echo-adapter"}"#)
        let detail = try await stack.waitFor(id, state: "SUCCEEDED")
        #expect(detail["trace_id"] as? String == trace)
        #expect(detail["context_ptr"] as? String == "redis://ctx:\(id)")
        #expect(detail["result_ptr"] as? String == "redis://res:\(id)")
        #expect((detail["context"] as? [String: Any])?["prompt"] as? String == "hi")
        let result = try #require(detail["result"] as? [String: Any])
        #expect(result["processed_by"] as? String == "worker-echo-1")
        #expect((result["received_ctx"] as? [String: Any])?["prompt"] as? String == "hi")
        #expect(detail["safety_decision"] as? String == "ALLOW")
        let history = (detail["events"] as? [[String: Any]] ?? []).compactMap { $0["state"] as? String }
        #expect(history == ["PENDING", "SCHEDULED", "DISPATCHED", "RUNNING", "SUCCEEDED"])

        let context = try await stack.json("/api/v1/memory?ptr=redis://ctx:\(id)")
        #expect(context["kind"] as? String == "context")
        #expect((context["json"] as? [String: Any])?["prompt"] as? String == "hi")
        let stored = try await stack.json("/api/v1/memory?ptr=redis%3A%2F%2Fres%3A\(id)")
        #expect(stored["kind"] as? String == "result")
        #expect((stored["json"] as? [String: Any])?["processed_by"] as? String == "worker-echo-1")

        let list = try await stack.json("/api/v1/jobs?limit=50")
        let ids = (list["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(ids.contains(id))
        let traced = try await stack.jsonArray("/api/v1/traces/\(trace)")
        #expect(traced.compactMap { $0["id"] as? String } == [id])
        #expect((traced.first?["updated_at"] as? Int ?? 0) > 0)

        // The stream carried a heartbeat and this job's result.
        #expect(
            await eventually {
                stream.packets.contains { $0.heartbeat.workerID == "worker-echo-1" }
                    && stream.packets.contains { $0.jobResult.jobID == id && $0.jobResult.status == .succeeded }
            })
        let resultFrame = try #require(stream.packets.first { $0.jobResult.jobID == id })
        #expect(resultFrame.jobResult.resultPtr == "redis://res:\(id)")
        #expect(resultFrame.traceID == trace)
    }

    @Test func listingPagesThroughEveryJobOnce() async throws {
        let stack = try await Stack().ready()
        var submitted: Set<String> = []
        for i in 0..<12 { submitted.insert(try await stack.submit(#"{"topic":"job.echo","prompt":"p\#(i)"}"#).0) }
        for id in submitted { _ = try await stack.waitFor(id, state: "SUCCEEDED") }
        var seen: [String] = []
        var cursor: Int64?
        repeat {
            let page = try await stack.json("/api/v1/jobs?limit=5" + (cursor.map { "&cursor=\($0)" } ?? ""))
            seen += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            cursor = (page["next_cursor"] as? NSNumber)?.int64Value
        } while cursor != nil
        #expect(seen.count == 12)
        #expect(Set(seen) == submitted)
        let filtered = try await stack.json("/api/v1/jobs?state=succeeded&topic=job.echo&limit=100")
        #expect((filtered["items"] as? [[String: Any]])?.count == 12)
    }

    @Test func statusWorkersHealthAndMetrics() async throws {
        let stack = try await Stack().ready()
        let (health, body) = try await stack.get("/health", key: .some(nil))
        #expect(health == 200 && body == "ok")
        let status = try await stack.json("/api/v1/status")
        #expect((status["nats"] as? [String: Any])?["connected"] as? Bool == true)
        #expect((status["redis"] as? [String: Any])?["ok"] as? Bool == true)
        #expect(((status["workers"] as? [String: Any])?["count"] as? Int ?? 0) >= 1)
        let workers = try await stack.jsonArray("/api/v1/workers")
        let echo = try #require(workers.first { $0["worker_id"] as? String == "worker-echo-1" })
        #expect(echo["pool"] as? String == "echo")
        #expect(echo["last_seen"] is Int)
        let (id, _) = try await stack.submit(#"{"topic":"job.echo","prompt":"m"}"#)
        _ = try await stack.waitFor(id, state: "SUCCEEDED")
        let gateway = try await stack.metrics()
        #expect(gateway.contains(#"coretex_api_gateway_http_requests_total{method="POST",route="/api/v1/jobs",status="200"}"#))
        let scheduler = try await stack.metrics(port: stack.schedulerMetricsPort)
        #expect(scheduler.contains(#"coretex_scheduler_jobs_completed_total{topic="job.echo",status="JOB_STATUS_SUCCEEDED"}"#))
        #expect(scheduler.contains(#"coretex_scheduler_jobs_dispatched_total{topic="job.echo"}"#))
    }

    @Test func gracefulShutdownStopsTheLocalServersToo() async throws {
        let stack = try await Stack().ready()
        let server = try #require(stack.server)
        server.signal(SIGTERM)
        #expect(server.waitForExit(timeout: 20) == 0)
        #expect(!LocalServers.canConnect(port: stack.natsPort))
        #expect(!LocalServers.canConnect(port: stack.redisPort))
    }
}
