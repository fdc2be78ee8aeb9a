import Foundation
import Testing

/// `--idempotency-key`: a script that retries a submit (a timeout, a lost reply) gets the job
/// it already made, not a second one.
@Suite struct CtxIdempotencyTests {
    @Test func aRetriedSubmitGetsTheFirstJobAndAChangedOneIsRefused() async throws {
        let stack = try await Stack().ready()
        let ctx = CtxRunner(stack: stack)
        let args = ["job", "submit", "job.echo", "--prompt", "ship it", "--idempotency-key", "deploy-7", "-o", "json"]
        let first = try await ctx.run(args)
        let again = try await ctx.run(args)
        #expect(first.status == 0 && again.status == 0, "\(first)\n\(again)")
        let id = try #require(CtxJobTests.object(first.stdout)["job_id"] as? String)
        #expect(CtxJobTests.object(again.stdout)["job_id"] as? String == id)

        let changed = try await ctx("job", "submit", "job.echo", "--prompt", "ship that", "--idempotency-key", "deploy-7")
        #expect(changed.status == 1)
        #expect(changed.stderr == "ctx: Idempotency-Key deploy-7 was already used with a different request\n", "\(changed)")

        #expect(try await ctx("workflow", "create", "-f", "\(WorkflowTests.examples)/approval-deploy.yaml").status == 0)
        let start = ["run", "start", "approval-deploy", "--input", #"{"version":"1"}"#, "--idempotency-key", "r1", "-o", "json"]
        let run = CtxJobTests.object(try await ctx.run(start).stdout)["run_id"] as? String
        let rerun = CtxJobTests.object(try await ctx.run(start).stdout)["run_id"] as? String
        #expect(run != nil && rerun == run)
    }
}
