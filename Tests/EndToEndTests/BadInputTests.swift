import CoretexInfra
import CoretexProtocol
import CoretexTestSupport
import Foundation
import Logging
import Testing

/// Every bad input gets a clear 4xx with a JSON error body, and no job is lost or corrupted.
@Suite(.serialized) struct BadInputTests {
    func error(_ body: String) -> (String, String)? {
        guard let o = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let e = o["error"] as? String, let c = o["code"] as? String
        else { return nil }
        return (e, c)
    }

    @Test func rejectedSubmissions() async throws {
        let stack = try await Stack().ready()
        let cases: [(String, Int, String)] = [
            (#"{"topic": "job.echo", "prompt": "#, 400, "invalid_json"),
            (#"{"topic": "job.echo", "prompt": 5}"#, 400, "invalid_json"),
            (#"{"topic": "job.echo"}"#, 400, "missing_prompt"),
            (#"{"topic": "sys.job.submit", "prompt": "x"}"#, 400, "invalid_topic"),
            (#"{"topic": "job.nobody.serves", "prompt": "x"}"#, 400, "unknown_topic"),
            (#"{"topic": "job.echo", "prompt": "x", "priority": "urgent"}"#, 400, "invalid_priority"),
        ]
        for (body, status, code) in cases {
            let (s, text) = try await stack.post("/api/v1/jobs", json: body)
            #expect(s == status, "\(body)")
            #expect(error(text)?.1 == code, "\(body): \(text)")
        }
        let (_, unrouted) = try await stack.post("/api/v1/jobs", json: #"{"topic": "job.nobody.serves", "prompt": "x"}"#)
        #expect(error(unrouted)?.0.contains("job.nobody.serves") == true)
        let (_, malformed) = try await stack.post("/api/v1/jobs", json: #"{"prompt": 5}"#)
        #expect(error(malformed)?.0.contains("prompt") == true)  // says where
        // Nothing was recorded for any of them.
        let list = try await stack.json("/api/v1/jobs")
        #expect((list["items"] as? [Any])?.isEmpty == true)
    }

    @Test func aMissingTopicDefaultsToChatSimple() async throws {
        let stack = try await Stack().ready()
        let (id, _) = try await stack.submit(#"{"prompt": "x"}"#)
        let detail = try await stack.json("/api/v1/jobs/\(id)")
        #expect(detail["topic"] as? String == "job.chat.simple")
    }

    @Test func aTopicThePolicyDeniesEndsDeniedWithTheReason() async throws {
        let stack = try await Stack().ready()
        let (id, _) = try await stack.submit(#"{"topic": "job.echo", "prompt": "x", "tenant_id": "restricted"}"#)
        let detail = try await stack.waitFor(id, state: "DENIED")
        #expect(detail["safety_decision"] as? String == "DENY")
        #expect(detail["safety_reason"] as? String == "topic 'job.echo' not allowed by tenant policy")
    }

    @Test func anOversizedBodyIs413() async throws {
        let stack = try await Stack(environment: ["API_MAX_BODY_BYTES": "1024"]).ready()
        let big = #"{"topic":"job.echo","prompt":""# + String(repeating: "x", count: 4096) + #""}"#
        let (status, body) = try await stack.post("/api/v1/jobs", json: big)
        #expect(status == 413)
        #expect(error(body)?.1 == "body_too_large")
    }

    @Test func aWrongOrMissingKeyIs401EverywhereButHealth() async throws {
        let stack = try await Stack().ready()
        for key: String? in [nil, "wrong"] {
            let (status, body) = try await stack.get("/api/v1/jobs", key: .some(key))
            #expect(status == 401)
            #expect(error(body)?.1 == "unauthorized")
            let (submit, _) = try await stack.post("/api/v1/jobs", json: #"{"topic":"job.echo","prompt":"x"}"#, key: .some(key))
            #expect(submit == 401)
        }
        #expect(try await stack.get("/api/v1/jobs?api_key=test-key", key: .some(nil)).0 == 200)
        #expect(try await stack.get("/health", key: .some(nil)).0 == 200)
        let refused = StreamRecorder(url: "ws://127.0.0.1:\(stack.httpPort)/api/v1/stream?api_key=wrong")
        defer { refused.stop() }
        #expect(await eventually { refused.closeReason.withLock { $0 } != nil })
        #expect(!refused.isConnected)
    }

    @Test func unknownIdsAre404AndCancelCreatesNothing() async throws {
        let stack = try await Stack().ready()
        let (get, body) = try await stack.get("/api/v1/jobs/no-such-job")
        #expect(get == 404)
        #expect(error(body)?.1 == "not_found")
        #expect(try await stack.post("/api/v1/jobs/no-such-job/cancel", json: "").0 == 404)
        #expect(try await stack.get("/api/v1/jobs/no-such-job").0 == 404)
        #expect(try await stack.get("/api/v1/no-such-route").0 == 404)
        #expect(try await stack.get("/api/v1/memory?ptr=redis://ctx:no-such-job").0 == 404)
        #expect(try await stack.get("/api/v1/memory?ptr=nope").0 == 400)
        #expect(try await stack.get("/api/v1/memory?key=other:x").0 == 400)
    }

    @Test func garbageOnTheBusIsDroppedAndCounted() async throws {
        let stack = try await Stack().ready()
        let bus = try await NATSBus.connect(url: stack.natsURL, logger: Logger(label: "test"))
        defer { bus.close() }
        for subject in ["sys.job.submit", "sys.job.result", "sys.heartbeat", "worker.worker-echo-1.jobs"] {
            try bus.publish(subject, [0xff, 0xfe, 0x00, 0x13, 0x37])
        }
        try await bus.flush()
        #expect(
            await eventually {
                let metrics = (try? await stack.metrics()) ?? ""
                return metrics.contains(#"coretex_bus_invalid_packets_total{subject="sys.job.submit"}"#)
                    && metrics.contains(#"coretex_bus_invalid_packets_total{subject="worker.worker-echo-1.jobs"}"#)
            })
        // Still serving.
        let (id, _) = try await stack.submit(#"{"topic":"job.echo","prompt":"after garbage"}"#)
        _ = try await stack.waitFor(id, state: "SUCCEEDED")
    }

    @Test func aLateOrDuplicateResultChangesNothing() async throws {
        let stack = try await Stack().ready()
        let (id, _) = try await stack.submit(#"{"topic":"job.echo","prompt":"x"}"#)
        let before = try await stack.waitFor(id, state: "SUCCEEDED")
        let bus = try await NATSBus.connect(url: stack.natsURL, logger: Logger(label: "test"))
        defer { bus.close() }
        var late = Coretex_Agent_V1_JobResult()
        late.jobID = id
        late.status = .failed
        late.resultPtr = "redis://res:elsewhere"
        late.errorMessage = "late"
        try bus.publish(Subjects.result, Coretex_Agent_V1_BusPacket.result(late, traceID: "x", senderID: "rogue").wireBytes)
        var duplicate = late
        duplicate.status = .succeeded
        try bus.publish(Subjects.result, Coretex_Agent_V1_BusPacket.result(duplicate, traceID: "x", senderID: "rogue").wireBytes)
        #expect(
            await eventually {
                let metrics = (try? await stack.metrics(port: stack.schedulerMetricsPort)) ?? ""
                return metrics.contains(#"coretex_scheduler_results_ignored_total{reason="not_applicable"} 1"#)
                    && metrics.contains(#"coretex_scheduler_results_ignored_total{reason="duplicate"} 1"#)
            })
        let after = try await stack.json("/api/v1/jobs/\(id)")
        #expect(after["state"] as? String == "SUCCEEDED")
        #expect(after["result_ptr"] as? String == before["result_ptr"] as? String)
        #expect(after["error_message"] == nil)
        let dlq = try await stack.jsonArray("/api/v1/dlq")
        #expect(!dlq.contains { $0["job_id"] as? String == id })
        let metrics = try await stack.metrics(port: stack.schedulerMetricsPort)
        #expect(metrics.contains(#"coretex_scheduler_jobs_completed_total{topic="job.echo",status="JOB_STATUS_SUCCEEDED"} 1"#))
    }
}
