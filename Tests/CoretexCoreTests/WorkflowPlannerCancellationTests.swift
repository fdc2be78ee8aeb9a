import CoretexCore
import CoretexProtocol
import Foundation
import Testing

/// Runs that end early: cancellation and the run timeout.
@Suite struct WorkflowPlannerCancellationTests {
    // MARK: Cancellation

    @Test func cancelEndsEveryStepAndReturnsTheRunningJobs() throws {
        var d = RunDriver(
            [
                WorkflowStep(id: "a", topic: "job.echo"),
                WorkflowStep(id: "fan", topic: "job.echo", forEach: "input.items", maxParallel: 1),
                WorkflowStep(id: "later", topic: "job.echo", dependsOn: ["a"]),
            ], input: json(#"{"items":[1,2]}"#))
        d.pass()
        #expect(d.run.runningJobIDs == [job("a"), job("fan[0]")])
        let jobs = try d.run.cancel(workflow: d.workflow, now: d.now)
        #expect(jobs == [job("a"), job("fan[0]")])
        #expect(d.run.status == .cancelled && d.run.completedAt == d.now)
        for id in ["a", "fan", "fan[0]", "fan[1]", "later"] {
            #expect(d.status(id) == .cancelled, "\(id)")
        }
        #expect(d.run.steps["later"]?.completedAt == d.now)
        #expect(WorkflowPlanner.plan(workflow: d.workflow, run: d.run, now: d.now).actions.isEmpty)
        #expect(d.finish(job("a")).ignored == .runFinished(.cancelled))
        #expect(d.run.runningJobIDs.isEmpty)
    }

    @Test func aFinishedRunCannotBeCancelled() throws {
        var d = RunDriver([WorkflowStep(id: "a", topic: "job.echo")])
        d.pass()
        d.finish(job("a"))
        let before = d.run
        #expect(throws: CancelError.runFinished(.succeeded)) { _ = try d.run.cancel(workflow: d.workflow, now: d.now) }
        #expect(d.run == before)
        #expect(CancelError.runFinished(.succeeded).description == "run already succeeded")
    }

    @Test func aPendingRunCanBeCancelledOrFailed() throws {
        var d = RunDriver([WorkflowStep(id: "a", topic: "job.echo")])
        #expect(try d.run.cancel(workflow: d.workflow, now: d.now) == [])
        #expect(d.run.status == .cancelled)

        var e = RunDriver([WorkflowStep(id: "a", topic: "job.echo")])
        #expect(try e.run.fail("workflow not found", workflow: nil, now: e.now) == [])
        #expect(e.run.status == .failed && e.run.error == WorkflowError("workflow not found"))
    }

    // MARK: Run timeout

    @Test func aRunTimesOutAfterTheWorkflowTimeout() {
        var d = RunDriver([WorkflowStep(id: "gate", type: .approval), WorkflowStep(id: "slow", topic: "job.echo")], timeoutSec: 60)
        let first = d.pass()
        #expect(first.nextWakeAt == d.now.addingTimeInterval(60))
        #expect(RunTimeout.deadline(of: d.run, workflow: d.workflow) == d.now.addingTimeInterval(60))
        d.advance(59)
        #expect(!RunTimeout.hasTimedOut(d.run, workflow: d.workflow, now: d.now))
        #expect(d.pass().actions.isEmpty)
        d.advance(1)
        #expect(RunTimeout.hasTimedOut(d.run, workflow: d.workflow, now: d.now))
        let pass = d.pass()
        #expect(pass.actions == [.finishRun(.timedOut), .cancelJob(job("slow"))])
        #expect(pass.nextWakeAt == nil)
        #expect(d.run.status == .timedOut)
        #expect(d.run.error == WorkflowError("workflow run timed out after 60s"))
        #expect(d.status("gate") == .cancelled && d.status("slow") == .cancelled)
        #expect(d.finish(job("slow")).ignored == .runFinished(.timedOut))
    }

    @Test func timeOutIfDueWorksWithoutAPass() {
        var d = RunDriver([WorkflowStep(id: "a", topic: "job.echo")], timeoutSec: 10)
        #expect(d.run.timeOutIfDue(workflow: d.workflow, now: d.now.addingTimeInterval(100)) == nil, "not started yet")
        d.pass()
        #expect(d.run.timeOutIfDue(workflow: d.workflow, now: d.now.addingTimeInterval(5)) == nil)
        #expect(d.run.timeOutIfDue(workflow: d.workflow, now: d.now.addingTimeInterval(10)) == [job("a")])
        #expect(d.run.status == .timedOut)
    }

    @Test func noTimeoutMeansNoDeadline() {
        var d = RunDriver([WorkflowStep(id: "a", topic: "job.echo")])
        #expect(d.pass().nextWakeAt == nil)
        #expect(RunTimeout.deadline(of: d.run, workflow: d.workflow) == nil)
    }
}
