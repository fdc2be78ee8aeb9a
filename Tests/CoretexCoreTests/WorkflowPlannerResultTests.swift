import CoretexCore
import CoretexProtocol
import Foundation
import Testing

/// Results of step jobs: retries, failures, and results that must change nothing.
@Suite struct WorkflowPlannerResultTests {
    // MARK: Retries

    @Test func theContractsRetryVector() {
        // engine_test.go: {max_retries:1, initial_backoff_sec:1, multiplier:1}; @1 FAILED,
        // a second publish about 1 s later, @2 SUCCEEDED → run succeeded.
        var d = RunDriver([
            WorkflowStep(id: "step", topic: "job.echo", retry: RetryPolicy(maxRetries: 1, initialBackoffSec: 1, multiplier: 1))
        ])
        d.pass()
        let outcome = d.finish(job("step"), .failed, error: "flaky")
        #expect(outcome.retryAt == d.now.addingTimeInterval(1))
        let waiting = d.run.steps["step"]
        #expect(waiting?.status == .pending && waiting?.error == WorkflowError("flaky") && waiting?.nextAttemptAt == outcome.retryAt)
        #expect(d.published == [job("step")], "not before the backoff")
        #expect(d.run.status == .running)

        d.advance(0.5)
        let early = d.pass()
        #expect(early.dispatches.isEmpty)
        #expect(early.nextWakeAt == outcome.retryAt)
        d.advance(0.5)
        d.pass()
        #expect(d.published == [job("step"), job("step", attempts: 2)])
        #expect(d.run.steps["step"]?.attempts == 2)
        d.finish(job("step", attempts: 2))
        #expect(d.run.status == .succeeded)
        #expect(d.run.steps["step"]?.error == nil)
    }

    @Test func backoffGrowsAcrossAttemptsAndRetriesRunOut() {
        let retry = RetryPolicy(maxRetries: 2, initialBackoffSec: 2, multiplier: 3)
        var d = RunDriver([WorkflowStep(id: "s", topic: "job.echo", retry: retry)])
        d.pass()
        #expect(d.finish(job("s"), .timeout).retryAt == d.now.addingTimeInterval(2))
        d.advance(2)
        d.pass()
        #expect(d.finish(job("s", attempts: 2), .failed).retryAt == d.now.addingTimeInterval(6))
        d.advance(6)
        d.pass()
        let last = d.finish(job("s", attempts: 3), .timeout, error: "deadline")
        #expect(last.retryAt == nil)
        #expect(d.status("s") == .timedOut)
        #expect(d.run.status == .timedOut)
        #expect(d.run.error == WorkflowError("deadline", stepID: "s"))
    }

    @Test func deniedAndCancelledJobsAreNotRetried() {
        let retry = RetryPolicy(maxRetries: 3)
        var d = RunDriver([WorkflowStep(id: "a", topic: "job.echo", retry: retry), WorkflowStep(id: "b", topic: "job.echo", retry: retry)])
        d.pass()
        #expect(d.finish(job("a"), .denied, error: "policy").retryAt == nil)
        #expect(d.status("a") == .failed)
        #expect(d.run.status == .failed)

        var e = RunDriver([WorkflowStep(id: "a", topic: "job.echo", retry: retry)])
        e.pass()
        #expect(e.finish(job("a"), .cancelled).retryAt == nil)
        #expect(e.status("a") == .cancelled)
        #expect(e.run.status == .failed)
    }

    @Test func aFailureCancelsTheSiblingsStillRunning() {
        var d = RunDriver([
            WorkflowStep(id: "a", topic: "job.echo"), WorkflowStep(id: "b", topic: "job.echo"),
            WorkflowStep(id: "c", topic: "job.echo", dependsOn: ["a"]),
        ])
        d.pass()
        let outcome = d.finish(job("a"), .failed, error: "boom")
        #expect(outcome.jobsToCancel == [job("b")])
        #expect(d.status("b") == .cancelled)
        #expect(d.status("c") == .cancelled)
        #expect(d.run.status == .failed && d.run.error == WorkflowError("boom", stepID: "a"))
    }

    @Test func aNonTerminalResultStateFailsTheStep() {
        var d = RunDriver([WorkflowStep(id: "a", topic: "job.echo")])
        d.pass()
        d.finish(job("a"), .running)
        #expect(d.run.steps["a"]?.error == WorkflowError("unexpected status: RUNNING"))
    }

    @Test func aPublishFailureCountsAsAFailedAttempt() {
        var d = RunDriver([WorkflowStep(id: "a", topic: "job.echo", retry: RetryPolicy(maxRetries: 1))])
        d.pass()
        let outcome = d.run.dispatchFailed(jobID: job("a"), message: "nats down", workflow: d.workflow, now: d.now)
        #expect(outcome.retryAt == d.now.addingTimeInterval(1))
        #expect(d.run.steps["a"]?.error == WorkflowError("dispatch failed: nats down"))
    }

    // MARK: Stale, duplicate and foreign results

    @Test func staleDuplicateAndForeignResultsAreIgnored() {
        var d = RunDriver([WorkflowStep(id: "s", topic: "job.echo", retry: RetryPolicy(maxRetries: 1))])
        d.pass()
        d.finish(job("s"), .failed)
        #expect(d.finish(job("s"), .failed).ignored == .duplicate, "waiting for the retry")
        d.advance(1)
        d.pass()
        #expect(d.finish(job("s"), .succeeded).ignored == .staleAttempt(current: job("s", attempts: 2)))
        #expect(d.finish("R:s@7").ignored == .staleAttempt(current: job("s", attempts: 2)))
        #expect(d.finish("other:s@2").ignored == .otherRun)
        #expect(d.finish("R:ghost@1").ignored == .unknownStep)
        #expect(d.finish("R:s[0]@1").ignored == .unknownStep, "s is no for_each")
        #expect(d.finish("3f2c1e9a-1111").ignored == .notAWorkflowJob)
        #expect(d.run.status == .running)

        #expect(d.finish(job("s", attempts: 2)).applied)
        #expect(d.run.status == .succeeded)
        #expect(d.finish(job("s", attempts: 2)).ignored == .runFinished(.succeeded))
    }

    @Test func aDuplicateSuccessDoesNotCountTwice() {
        var d = RunDriver([WorkflowStep(id: "a", topic: "job.echo"), WorkflowStep(id: "b", topic: "job.echo")])
        d.pass()
        let before = d.finish(job("a"))
        #expect(before.applied)
        let snapshot = d.run
        #expect(d.finish(job("a")).ignored == .duplicate)
        #expect(d.run == snapshot)
    }
}
