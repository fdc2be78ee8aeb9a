import CoretexTestSupport
import Foundation
import Testing

/// Workflows with approval gates, through `ctx` and the HTTP API, on the real stack.
@Suite(.serialized) struct WorkflowTests {
    static let examples = "\(Stack.root)/config/workflows"
    static func object(_ text: String) -> [String: Any] { CtxJobTests.object(text) }

    @Test func anApprovalGateWaitsIsApprovedAndTheRunSucceeds() async throws {
        let stack = try await Stack().ready()
        let ctx = CtxRunner(stack: stack)
        let created = try await ctx("workflow", "create", "-f", "\(Self.examples)/approval-deploy.yaml")
        #expect(created.status == 0 && created.stdout == "workflow approval-deploy saved\n", "\(created)")

        let started = Self.object(try await ctx("run", "start", "approval-deploy", "--input", #"{"version":"1.4.2"}"#, "-o", "json").stdout)
        let run = try #require(started["run_id"] as? String)
        #expect(
            await eventually {
                Self.object((try? await ctx("run", "get", run, "-o", "json"))?.stdout ?? "")["status"] as? String == "waiting"
            })
        let inbox = try #require(try await ctx("approvals", "-o", "json").json as? [[String: Any]])
        #expect(inbox.contains { $0["run_id"] as? String == run && $0["step_id"] as? String == "approve" }, "\(inbox)")
        #expect(try await ctx("approvals").stdout.contains("approve (Approve deploy)"))
        // Nothing after the gate has run yet.
        #expect(try await ctx("trace", run, "-o", "json").json.map { ($0 as? [Any])?.count } == 1)

        let approved = try await ctx("approve", run, "approve", "--reason", "lgtm", "--approver", "alice")
        #expect(approved.status == 0, "\(approved)")
        #expect(
            await eventually {
                Self.object((try? await ctx("run", "get", run, "-o", "json"))?.stdout ?? "")["status"] as? String == "succeeded"
            })

        // The step job ran with the run id as its trace id.
        let job = Self.object(try await ctx("job", "get", "\(run):echo@1", "-o", "json").stdout)
        #expect(job["state"] as? String == "SUCCEEDED")
        #expect(job["trace_id"] as? String == run)
        #expect((job["labels"] as? [String: String])?["run_id"] == run)
        #expect((job["labels"] as? [String: String])?["step_id"] == "echo")
        #expect((job["context"] as? [String: Any])?["prompt"] as? String == "deploy 1.4.2")
        #expect((job["context"] as? [String: Any])?["built"] as? String == "worker-echo-1")
        let trace = try await ctx("trace", run)
        #expect(trace.stdout.contains("echo (\(run):echo@1)") && trace.stdout.contains("build (\(run):build@1)"), "\(trace)")

        let timeline = try await ctx("run", "timeline", run)
        #expect(timeline.lines.contains { $0.hasPrefix("approve") && $0.contains("approved by alice: lgtm") }, "\(timeline)")
        let rows = try #require(try await ctx("run", "timeline", run, "-o", "json").json as? [[String: Any]])
        #expect(rows.map { $0["step"] as? String } == ["build", "approve", "echo"])
        #expect(rows.allSatisfy { $0["status"] as? String == "succeeded" })

        // Approving again, or an unknown run or step.
        let twice = try await ctx("approve", run, "approve")
        #expect(twice.status == 1 && twice.stderr.contains("run is succeeded"))
        #expect(
            try await stack.post("/api/v1/workflows/approval-deploy/runs/\(run)/steps/approve/approve", json: #"{"approved":true}"#).0
                == 409)
        #expect(try await ctx("approve", "no-such-run", "approve").status == 3)
        let otherRun =
            Self.object(try await ctx("run", "start", "approval-deploy", "--input", "{}", "-o", "json").stdout)["run_id"] as! String
        #expect(
            try await stack.post("/api/v1/workflows/approval-deploy/runs/\(otherRun)/steps/nope/approve", json: #"{"approved":true}"#).0
                == 404)
        // A body without `approved` is refused rather than read as a rejection.
        #expect(try await stack.post("/api/v1/workflows/approval-deploy/runs/\(otherRun)/steps/approve/approve", json: "{}").0 == 400)
    }

    @Test func aRejectedRunFailsWithTheReason() async throws {
        let stack = try await Stack().ready()
        let ctx = CtxRunner(stack: stack)
        _ = try await ctx("workflow", "create", "-f", "\(Self.examples)/approval-deploy.yaml")
        let run =
            Self.object(try await ctx("run", "start", "approval-deploy", "--input", #"{"version":"2"}"#, "-o", "json").stdout)["run_id"]
            as! String
        #expect(
            await eventually {
                (try? await ctx("approvals", "-o", "json").json as? [[String: Any]])?.contains { $0["run_id"] as? String == run } == true
            })
        #expect(try await ctx("reject", run, "approve").status == 2)  // --reason is required
        let rejected = try await ctx("reject", run, "approve", "--reason", "not today", "--approver", "bob")
        #expect(rejected.status == 0, "\(rejected)")
        let detail = Self.object(try await ctx("run", "get", run, "-o", "json").stdout)
        #expect(detail["status"] as? String == "failed")
        #expect((detail["error"] as? [String: Any])?["message"] as? String == "approval rejected by bob: not today")
        let steps = detail["steps"] as? [String: [String: Any]]
        #expect(steps?["echo"]?["status"] as? String == "cancelled")
        #expect(try await ctx("job", "get", "\(run):echo@1").status == 3)  // never dispatched
        #expect(
            try await ctx("approvals", "-o", "json").json.map { ($0 as? [[String: Any]])?.contains { $0["run_id"] as? String == run } }
                == false)
    }

    @Test func waitFollowFanOutAndChains() async throws {
        let stack = try await Stack().ready()
        let ctx = CtxRunner(stack: stack)
        _ = try await ctx("workflow", "create", "-f", "\(Self.examples)/fan-out.yaml")
        let followed = try await ctx("run", "start", "fan-out", "--input", #"{"items":["a","b","c","d","e","f"]}"#, "--follow")
        #expect(followed.status == 0, "\(followed)")
        #expect(followed.lines.contains { $0.contains("each[5]") && $0.contains("succeeded") })
        #expect(followed.lines.contains { $0.contains("summary") && $0.contains("succeeded") })
        let run = try #require(followed.lines.first?.split(separator: " ").dropFirst().first.map(String.init))
        let jobs = try #require(try await ctx("trace", run, "-o", "json").json as? [[String: Any]])
        #expect(Set(jobs.compactMap { $0["id"] as? String }) == Set((0..<6).map { "\(run):each[\($0)]@1" } + ["\(run):summary@1"]))

        // An empty fan-out succeeds at once; the summary's condition is false, so it is skipped.
        let empty = Self.object(try await ctx("run", "start", "fan-out", "--input", #"{"items":[]}"#, "--wait", "-o", "json").stdout)
        #expect(empty["status"] as? String == "succeeded", "\(empty)")
        #expect(((empty["steps"] as? [String: [String: Any]])?["summary"])?["skipped"] as? Bool == true)

        // A chain of steps reading each other's output.
        let chain = """
            {"id": "chain", "steps": {
              "one": {"topic": "job.echo", "input": {"prompt": "first"}},
              "two": {"topic": "job.echo", "depends_on": ["one"], "input": {"prompt": "after ${steps.one.output.received_ctx.prompt}"}},
              "three": {"topic": "job.echo", "depends_on": ["two"], "output_path": "final",
                        "input": {"prompt": "${steps.two.output.received_ctx.prompt}", "n": "${length(steps.one.output.job_id)}"}}}}
            """
        let file = ctx.directory + "/chain.json"
        try chain.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await ctx("workflow", "create", "-f", file).status == 0)
        let done = Self.object(try await ctx("run", "start", "chain", "--wait", "-o", "json").stdout)
        #expect(done["status"] as? String == "succeeded", "\(done)")
        let final = (done["context"] as? [String: Any])?["final"] as? [String: Any]
        #expect((final?["received_ctx"] as? [String: Any])?["prompt"] as? String == "after first")
        #expect((final?["received_ctx"] as? [String: Any])?["n"] is Int)  // typed substitution
    }

    @Test func badDefinitionsInputsAndRuntimeErrors() async throws {
        let stack = try await Stack().ready()
        let ctx = CtxRunner(stack: stack)
        func create(_ json: String) async throws -> CtxRunner.Output {
            let file = ctx.directory + "/wf-\(UUID().uuidString.prefix(6)).json"
            try json.write(toFile: file, atomically: true, encoding: .utf8)
            return try await ctx("workflow", "create", "-f", file)
        }
        let cycle = try await create(
            #"{"id":"c","steps":{"a":{"topic":"job.echo","depends_on":["b"]},"b":{"topic":"job.echo","depends_on":["a"]}}}"#)
        #expect(cycle.status == 1 && cycle.stderr.contains("dependency cycle"), "\(cycle)")
        let unknownDep = try await create(#"{"id":"u","steps":{"a":{"topic":"job.echo","depends_on":["ghost"]}}}"#)
        #expect(unknownDep.stderr.contains(#"step "a""#) && unknownDep.stderr.contains("ghost"), "\(unknownDep)")
        let badID = try await create(#"{"id":"i","steps":{"a:b":{"topic":"job.echo"}}}"#)
        #expect(badID.status == 1 && badID.stderr.contains("a:b"), "\(badID)")
        let badExpr = try await create(#"{"id":"e","steps":{"a":{"topic":"job.echo","condition":"input.x =="}}}"#)
        #expect(badExpr.stderr.contains(#"step "a": condition"#), "\(badExpr)")
        let badTopic = try await create(#"{"id":"t","steps":{"a":{"topic":"job.nowhere"}}}"#)
        #expect(badTopic.stderr.contains("job.nowhere"), "\(badTopic)")
        #expect(try await ctx("workflow", "create", "-f", "/no/such.yaml").status == 1)
        #expect(try await ctx("workflow", "get", "c").status == 3)  // nothing was saved

        _ = try await ctx("workflow", "create", "-f", "\(Self.examples)/approval-deploy.yaml")
        #expect(try await stack.post("/api/v1/workflows/approval-deploy/runs", json: "[1,2]").0 == 400)
        #expect(try await stack.post("/api/v1/workflows/approval-deploy/runs", json: "{nope").0 == 400)
        #expect(try await stack.post("/api/v1/workflows/no-such/runs", json: "{}").0 == 404)
        let notJSON = try await ctx("run", "start", "approval-deploy", "--input", "{nope")
        #expect(notJSON.status == 1 && notJSON.stderr.contains("--input is not valid JSON"))

        // An expression that fails at run time fails the step with the expression and error.
        let runtime = try await create(#"{"id":"rt","steps":{"a":{"topic":"job.echo","for_each":"input.items"}}}"#)
        #expect(runtime.status == 0)
        let failed = try await ctx("run", "start", "rt", "--input", #"{"items":"not a list"}"#, "--wait", "-o", "json")
        #expect(failed.status == 5)
        let steps = Self.object(failed.stdout)["steps"] as? [String: [String: Any]]
        let message = (steps?["a"]?["error"] as? [String: Any])?["message"] as? String ?? ""
        #expect(message.contains("input.items"), "\(failed)")

        // Cancelling a waiting run; the step job of a cancelled run never runs; cancelling twice is refused.
        let run = Self.object(try await ctx("run", "start", "approval-deploy", "--input", "{}", "-o", "json").stdout)["run_id"] as! String
        #expect(
            await eventually {
                Self.object((try? await ctx("run", "get", run, "-o", "json"))?.stdout ?? "")["status"] as? String == "waiting"
            })
        #expect(try await ctx("run", "cancel", run).stdout == "run \(run) cancelled\n")
        #expect(try await ctx("approve", run, "approve").status == 1)
        let again = try await ctx("run", "cancel", run)
        #expect(again.status == 1 && again.stderr.contains("run already cancelled"))
        #expect(Self.object(try await ctx("run", "get", run, "-o", "json").stdout)["status"] as? String == "cancelled")
        #expect(try await ctx("run", "get", "no-such-run").status == 3)
    }

    @Test func theSeededWorkflowsExist() async throws {
        let stack = try await Stack().ready()
        let list = try #require(try await CtxRunner(stack: stack)("workflow", "list", "-o", "json").json as? [[String: Any]])
        #expect(Set(list.compactMap { $0["id"] as? String }).isSuperset(of: ["repo_code_review", "code_review_patch"]))
    }
}
