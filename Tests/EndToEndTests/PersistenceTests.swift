import CoretexTestSupport
import Foundation
import Testing

/// `make run` twice: the embedded default keeps its state (Redis with AOF, NATS with
/// JetStream file storage, both under the state directory), so what the first run did is
/// there in the second.
@Suite(.serialized) struct PersistenceTests {
    @Test func jobsDeadLettersAndRunsOutliveARestartOfTheDevStack() async throws {
        // The echo worker answers after 300 ms, so a 50 ms deadline makes a dead letter.
        let stack = try await Stack(environment: ["ECHO_DELAY_MS": "300"]).ready()
        let ctx = CtxRunner(stack: stack)
        let (done, _) = try await stack.submit(#"{"topic":"job.echo","prompt":"keep me"}"#)
        _ = try await stack.waitFor(done, state: "SUCCEEDED")
        let (late, _) = try await stack.submit(#"{"topic":"job.echo","prompt":"too slow","deadline_ms":50}"#)
        _ = try await stack.waitFor(late, state: "TIMEOUT")
        #expect(try await ctx("workflow", "create", "-f", "\(WorkflowTests.examples)/approval-deploy.yaml").status == 0)
        let started = WorkflowTests.object(
            try await ctx("run", "start", "approval-deploy", "--input", #"{"version":"2.0.0"}"#, "-o", "json").stdout)
        let run = try #require(started["run_id"] as? String)
        #expect(
            await eventually {
                WorkflowTests.object((try? await ctx("run", "get", run, "-o", "json"))?.stdout ?? "")["status"] as? String
                    == "waiting"
            })

        // The whole stack goes, its nats-server and redis-server with it, and comes back on
        // the same state directory.
        try await stack.restartServer()

        let job = try await stack.json("/api/v1/jobs/\(done)")
        #expect(job["state"] as? String == "SUCCEEDED")
        #expect((job["result"] as? [String: Any]) != nil, "the result outlives the restart: \(job)")
        let letters = try await stack.jsonArray("/api/v1/dlq")
        #expect(letters.contains { $0["job_id"] as? String == late }, "\(letters)")
        // The run waits at its gate still, and can be approved and finish after the restart.
        let approved = try await ctx("approve", run, "approve", "--reason", "after restart", "--approver", "bob")
        #expect(approved.status == 0, "\(approved)")
        #expect(
            await eventually(timeout: .seconds(30)) {
                WorkflowTests.object((try? await ctx("run", "get", run, "-o", "json"))?.stdout ?? "")["status"] as? String
                    == "succeeded"
            })
    }

    /// `kill -9` of the dev stack while a job runs: after the same command again, the job
    /// runs again and succeeds (the new scheduler takes on the dispatches its predecessor
    /// recorded, once every live worker has had `WORKER_TTL_MS` to be heard).
    @Test func aJobInFlightWhenTheDevStackIsKilledCompletesAfterItStartsAgain() async throws {
        let stack = try await Stack(environment: ["ECHO_DELAY_MS": "2000", "WORKER_TTL_MS": "3000"]).ready()
        let (id, _) = try await stack.submit(#"{"topic":"job.echo","prompt":"in flight"}"#)
        #expect(await eventually { (try? await stack.json("/api/v1/jobs/\(id)"))?["state"] as? String == "RUNNING" })
        try await stack.crashAndStartServer()
        let job = try await stack.waitFor(id, state: "SUCCEEDED")
        #expect("\(job["result"] ?? "")".contains("in flight"), "the echo of the run after the crash: \(job)")
        let history = (job["events"] as? [[String: Any]] ?? []).compactMap { $0["state"] as? String }
        #expect(history.filter { $0 == "RUNNING" }.count == 2, "ran again after the crash: \(history)")
    }
}
