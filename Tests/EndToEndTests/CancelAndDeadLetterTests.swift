import CoretexInfra
import CoretexProtocol
import CoretexTestSupport
import Foundation
import Logging
import Testing

@Suite(.serialized) struct CancelAndDeadLetterTests {
    /// Jobs wait a second for a worker before they fail, so dead letters come quickly.
    static let quickTimeouts = """
        reconciler:
          scan_interval_seconds: 1
        scheduler:
          placement_wait_seconds: 1
        """

    @Test func aWaitingJobIsCancelledAndNeverDispatched() async throws {
        let stack = try await Stack().ready()
        // No worker carries this label: the job waits for one.
        let (id, _) = try await stack.submit(#"{"topic":"job.echo","prompt":"x","labels":{"zone":"nowhere"}}"#)
        _ = try await stack.waitFor(id, state: "PENDING")
        let (status, body) = try await stack.post("/api/v1/jobs/\(id)/cancel", json: "")
        #expect(status == 200)
        #expect(body.contains(#""state":"CANCELLED""#))
        let again = try await stack.post("/api/v1/jobs/\(id)/cancel", json: "")
        #expect(again.0 == 200)
        #expect(again.1.contains("job already terminal"))
        let detail = try await stack.json("/api/v1/jobs/\(id)")
        #expect(detail["state"] as? String == "CANCELLED")
        let history = (detail["events"] as? [[String: Any]] ?? []).compactMap { $0["state"] as? String }
        #expect(history == ["PENDING", "CANCELLED"])
        // A cancel is the operator's decision, not a dead letter.
        #expect(try await stack.jsonArray("/api/v1/dlq").isEmpty)
    }

    @Test func aCancelSentStraightToTheBusIsRecorded() async throws {
        let stack = try await Stack().ready()
        let (id, _) = try await stack.submit(#"{"topic":"job.echo","prompt":"x","labels":{"zone":"nowhere"}}"#)
        _ = try await stack.waitFor(id, state: "PENDING")
        let bus = try await NATSBus.connect(url: stack.natsURL, logger: Logger(label: "test"))
        defer { bus.close() }
        try bus.publish(
            Subjects.cancel, Coretex_Agent_V1_BusPacket.cancel(jobID: id, reason: "script says stop", senderID: "script").wireBytes)
        let detail = try await stack.waitFor(id, state: "CANCELLED")
        #expect(
            (detail["result"] as? [String: Any]).flatMap { ($0["error"] as? [String: Any])?["message"] as? String } == "script says stop")
    }

    @Test func aRunningJobIsCancelledAndItsWorkerStops() async throws {
        let stack = try await Stack(environment: ["ECHO_DELAY_MS": "30000"]).ready()
        let stream = StreamRecorder(url: "ws://127.0.0.1:\(stack.httpPort)/api/v1/stream?api_key=test-key&types=jobResult,jobRequest")
        defer { stream.stop() }
        #expect(await eventually { stream.isConnected })
        let (id, _) = try await stack.submit(#"{"topic":"job.echo","prompt":"slow"}"#)
        _ = try await stack.waitFor(id, state: "RUNNING")
        #expect(try await stack.post("/api/v1/jobs/\(id)/cancel", json: "").0 == 200)
        // The cancel went out on the bus and the worker answered CANCELLED long before its 30 s.
        #expect(
            await eventually {
                stream.packets.contains { $0.jobRequest.jobID == id && $0.jobRequest.topic == "sys.job.cancel" }
                    && stream.packets.contains { $0.jobResult.jobID == id && $0.senderID == "worker-echo-1" }
            })
        let detail = try await stack.json("/api/v1/jobs/\(id)")
        #expect(detail["state"] as? String == "CANCELLED")
        #expect((detail["result"] as? [String: Any])?["status"] as? String == "JOB_STATUS_CANCELLED")
    }

    @Test func aJobNoWorkerTakesIsDeadLetteredAndCanBeRetriedOrDeleted() async throws {
        let stack = try await Stack(timeouts: Self.quickTimeouts).ready()
        let (id, _) = try await stack.submit(#"{"topic":"job.echo","prompt":"lost","labels":{"zone":"nowhere","node_id":"n1"}}"#)
        let failed = try await stack.waitFor(id, state: "FAILED")
        #expect(failed["error_status"] as? String == "JOB_STATUS_FAILED")
        #expect((failed["error_message"] as? String)?.contains(#"no workers available for pool "echo""#) == true)
        #expect((failed["result"] as? [String: Any])?["processed_by"] as? String == "coretex-scheduler")

        let entries = try await stack.jsonArray("/api/v1/dlq")
        let entry = try #require(entries.first { $0["job_id"] as? String == id })
        #expect(entry["topic"] as? String == "job.echo")
        #expect(entry["status"] as? String == "JOB_STATUS_FAILED")
        let createdAt = try #require(entry["created_at"] as? String)
        #expect(
            (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(createdAt)) != nil,
            "created_at \(createdAt) is not an RFC 3339 time")

        let (status, body) = try await stack.post("/api/v1/dlq/\(id)/retry", json: "")
        #expect(status == 200)
        let retried = try #require((try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["job_id"] as? String)
        #expect(retried.hasPrefix("\(id)-retry-"))
        #expect(try await stack.jsonArray("/api/v1/dlq").allSatisfy { $0["job_id"] as? String != id })
        let retry = try await stack.json("/api/v1/jobs/\(retried)")
        #expect(retry["topic"] as? String == "job.echo")
        #expect(retry["trace_id"] as? String == "dlq-retry-\(id)")
        #expect((retry["context"] as? [String: Any])?["prompt"] as? String == "lost")
        #expect((retry["labels"] as? [String: String])?["retry_of_job"] == id)
        #expect(try await stack.post("/api/v1/dlq/\(id)/retry", json: "").0 == 404)

        // The retry keeps the dead job's constraint, so it dead-letters too; delete that entry.
        _ = try await stack.waitFor(retried, state: "FAILED")
        #expect(try await stack.request("DELETE", "/api/v1/dlq/\(retried)").0 == 204)
        #expect(try await stack.request("DELETE", "/api/v1/dlq/\(retried)").0 == 404)
    }

    @Test func aJobWaitsForAWorkerThatArrivesLate() async throws {
        let stack = try await Stack().ready()
        let (id, _) = try await stack.submit(#"{"topic":"job.echo","prompt":"patience","labels":{"zone":"b"}}"#)
        _ = try await stack.waitFor(id, state: "PENDING")
        var env = ProcessInfo.processInfo.environment
        env["NATS_URL"] = stack.natsURL
        env["REDIS_URL"] = "redis://127.0.0.1:\(stack.redisPort)"
        env["WORKER_LABELS"] = "zone=b"
        let worker = try ManagedProcess(
            name: "worker", executable: Stack.binary, arguments: ["worker", "echo"],
            environment: env, logFile: "\(stack.directory)/worker.log")
        defer { worker.stop() }
        let detail = try await stack.waitFor(id, state: "SUCCEEDED")
        // The late worker claimed the next free id: ids are unique per process.
        #expect((detail["result"] as? [String: Any])?["processed_by"] as? String == "worker-echo-2")
    }

    @Test func theDeadlineTimesAJobOutWithAResultEventAndADeadLetter() async throws {
        let stack = try await Stack(timeouts: Self.quickTimeouts, environment: ["ECHO_DELAY_MS": "30000"]).ready()
        let stream = StreamRecorder(url: "ws://127.0.0.1:\(stack.httpPort)/api/v1/stream?api_key=test-key&types=jobResult")
        defer { stream.stop() }
        #expect(await eventually { stream.isConnected })
        let (id, _) = try await stack.submit(#"{"topic":"job.echo","prompt":"slow","deadline_ms":1000}"#)
        let detail = try await stack.waitFor(id, state: "TIMEOUT")
        #expect(detail["error_status"] as? String == "JOB_STATUS_TIMEOUT")
        #expect(await eventually { stream.packets.contains { $0.jobResult.jobID == id && $0.jobResult.status == .timeout } })
        #expect(try await stack.jsonArray("/api/v1/dlq").contains { $0["job_id"] as? String == id })
    }
}
