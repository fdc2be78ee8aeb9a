import CoretexCore
import CoretexProtocol
import Foundation
import Testing

/// How a pass plans a run: DAG shapes, conditions, dispatches, and definitions that skipped validation.
@Suite struct WorkflowPlannerTests {
    // MARK: Shapes of DAGs

    @Test func aChainRunsOneStepAfterTheOther() throws {
        var d = RunDriver([
            WorkflowStep(id: "a", topic: "job.echo"),
            WorkflowStep(
                id: "b", topic: "job.echo", dependsOn: ["a"],
                input: ["v": .string("${steps.a.output.v}"), "msg": .string("got ${steps.a.output.v}")]),
            WorkflowStep(id: "c", topic: "job.echo", dependsOn: ["b"]),
        ])
        let first = d.pass()
        #expect(first.actions.first == .startRun)
        #expect(d.published == [job("a")])
        #expect(d.run.status == .running && d.run.startedAt == d.now)
        #expect(d.status("b") == nil)

        d.finish(job("a"), output: json(#"{"v":7}"#))
        #expect(d.published == [job("a"), job("b")])
        #expect(d.run.steps["b"]?.input == json(#"{"v":7,"msg":"got 7"}"#), "typed and interpolated")
        #expect(d.run.context?["steps"]?["a"] == json(#"{"result_ptr":"redis://res:R:a@1","output":{"v":7}}"#))

        d.finish(job("b"))
        d.finish(job("c"))
        #expect(d.published == [job("a"), job("b"), job("c")])
        #expect(d.run.status == .succeeded)
        #expect(d.run.completedAt == d.now)
        #expect(d.run.steps["c"]?.output == .string("redis://res:R:c@1"))
    }

    @Test func independentBranchesRunInParallelAndJoin() {
        var d = RunDriver([
            WorkflowStep(id: "left", topic: "job.echo"),
            WorkflowStep(id: "right", topic: "job.echo"),
            WorkflowStep(id: "join", topic: "job.echo", dependsOn: ["right", "left"]),
        ])
        d.pass()
        #expect(d.published == [job("left"), job("right")], "stable order: by id")
        d.finish(job("right"))
        #expect(d.published.count == 2, "join waits for both")
        d.finish(job("left"))
        #expect(d.published.last == job("join"))
        d.finish(job("join"))
        #expect(d.run.status == .succeeded)
    }

    @Test func executionOrderIsTopologicalThenByID() {
        let wf = Workflow(
            id: "wf",
            steps: [
                WorkflowStep(id: "z"), WorkflowStep(id: "b", dependsOn: ["z"]), WorkflowStep(id: "a", dependsOn: ["b"]),
                WorkflowStep(id: "m"), WorkflowStep(id: "x", dependsOn: ["y"]), WorkflowStep(id: "y", dependsOn: ["x"]),
            ])
        #expect(WorkflowPlanner.executionOrder(of: wf) == ["m", "z", "b", "a", "x", "y"])
    }

    @Test func aWorkflowWithoutStepsSucceedsAtOnce() {
        var d = RunDriver([])
        let pass = d.pass()
        #expect(pass.actions == [.startRun, .finishRun(.succeeded)])
        #expect(d.run.status == .succeeded)
    }

    // MARK: Conditions

    @Test func aFalseConditionSkipsTheStepAndItsDependantsRunInTheSamePass() {
        var d = RunDriver([
            WorkflowStep(id: "maybe", topic: "job.echo", condition: "input.name == 'bob'"),
            WorkflowStep(id: "after", topic: "job.echo", dependsOn: ["maybe"]),
        ])
        let pass = d.pass()
        #expect(pass.actions.contains(.skip(stepID: "maybe")))
        #expect(d.published == [job("after")])
        let skipped = d.run.steps["maybe"]
        #expect(skipped?.status == .succeeded && skipped?.skipped == true && skipped?.attempts == 0)
        #expect(d.run.context?["steps"]?["maybe"] == nil, "no output for a skipped step")
    }

    @Test func aRunWhoseLastStepIsSkippedFinishes() {
        var d = RunDriver([
            WorkflowStep(id: "a", topic: "job.echo"),
            WorkflowStep(id: "b", topic: "job.echo", dependsOn: ["a"], condition: "steps.a.output.ok"),
        ])
        d.pass()
        d.finish(job("a"), output: json(#"{"ok":false}"#))
        #expect(d.run.status == .succeeded, "a run whose last step is done ends")
    }

    @Test func aTrueConditionDispatches() {
        var d = RunDriver([WorkflowStep(id: "a", topic: "job.echo", condition: "input.name == 'ann' && length(input.name) == 3")])
        d.pass()
        #expect(d.published == [job("a")])
    }

    @Test func aBrokenConditionFailsTheStep() {
        var d = RunDriver([WorkflowStep(id: "a", topic: "job.echo", condition: "input.name ==")])
        let pass = d.pass()
        #expect(
            pass.actions.contains(
                .failStep(stepID: "a", message: "condition: unexpected end of expression at column 14 of `input.name ==`")))
        #expect(d.run.status == .failed)
        #expect(d.run.error == WorkflowError("condition: unexpected end of expression at column 14 of `input.name ==`", stepID: "a"))
    }

    // MARK: Dispatch

    @Test func aDispatchCarriesEverythingTheJobNeeds() throws {
        var d = RunDriver(
            [
                WorkflowStep(
                    id: "s", workerID: "w-1", topic: "job.chat.simple", timeoutSec: 30, routeLabels: ["gpu": "a100", "step_id": "custom"])
            ],
            input: json(#"{"priority":"Interactive","memory_id":"  mem-1 ","prompt":"hi"}"#))
        let dispatch = try #require(d.pass().dispatches.first)
        #expect(dispatch.jobIDString == "R:s@1")
        #expect(dispatch.traceID == "R")
        #expect(dispatch.topic == "job.chat.simple")
        #expect(
            dispatch.payload == json(#"{"priority":"Interactive","memory_id":"  mem-1 ","prompt":"hi"}"#), "no input: the whole run input")
        #expect(dispatch.adapterID == "w-1")
        #expect(dispatch.deadlineMs == 30_000)
        #expect(dispatch.priority == .interactive)
        #expect(dispatch.memoryID == "mem-1")
        #expect(dispatch.contextMode == "chat")
        #expect(dispatch.tenantID == "org")
        #expect(
            dispatch.env == [
                "workflow_id": "wf", "run_id": "R", "step_id": "s", "tenant_id": "org", "team_id": "team",
                "memory_id": "mem-1", "context_mode": "chat",
            ])
        #expect(dispatch.labels == ["workflow_id": "wf", "run_id": "R", "step_id": "custom", "worker_id": "w-1", "gpu": "a100"])
        let stepRun = try #require(d.run.steps["s"])
        #expect(stepRun.status == .running && stepRun.attempts == 1 && stepRun.jobID == "R:s@1" && stepRun.startedAt == d.now)
        #expect(stepRun.input == dispatch.payload)
    }

    @Test func dispatchDefaults() throws {
        var d = RunDriver([WorkflowStep(id: "s")], input: nil)
        let dispatch = try #require(d.pass().dispatches.first)
        #expect(dispatch.topic == "job.workflow.wf")
        #expect(dispatch.priority == .batch)
        #expect(dispatch.memoryID == "run:R")
        #expect(dispatch.contextMode == "raw")
        #expect(dispatch.adapterID == nil && dispatch.deadlineMs == nil)
        #expect(dispatch.payload == .null)
    }

    @Test func outputPathGetsTheInlineOutputOrElseThePointer() {
        var d = RunDriver([
            WorkflowStep(id: "echo", topic: "job.echo", outputPath: "output.echo"),
            WorkflowStep(id: "big", topic: "job.echo", outputPath: "output.big"),
        ])
        d.pass()
        d.finish(job("echo"), output: json(#"{"job_id":"R:echo@1"}"#))
        d.finish(job("big"), output: nil)
        #expect(d.run.context?["output"] == json(#"{"echo":{"job_id":"R:echo@1"},"big":"redis://res:R:big@1"}"#))
        #expect(d.run.context?["steps"]?["big"] == json(#"{"result_ptr":"redis://res:R:big@1"}"#))
    }

    // MARK: Definitions that skipped validation

    @Test func aCycleFailsTheRunInsteadOfHanging() {
        var d = RunDriver([
            WorkflowStep(id: "a", topic: "job.echo", dependsOn: ["b"]), WorkflowStep(id: "b", topic: "job.echo", dependsOn: ["a"]),
        ])
        let pass = d.pass()
        #expect(pass.actions.last == .finishRun(.failed))
        #expect(d.run.status == .failed)
        #expect(d.run.error?.message == "steps can never start (dependency cycle?): a, b")
    }

    @Test func anUnknownDependencyFailsTheStep() {
        var d = RunDriver([WorkflowStep(id: "a", topic: "job.echo", dependsOn: ["ghost"])])
        d.pass()
        #expect(d.run.steps["a"]?.error == WorkflowError("depends on unknown step \"ghost\""))
        #expect(d.run.status == .failed)
    }

    @Test func aBrokenTemplateFailsTheStepWithoutAJob() {
        var d = RunDriver([WorkflowStep(id: "a", topic: "job.echo", input: ["x": .string("${oops")])])
        let pass = d.pass()
        #expect(pass.dispatches.isEmpty)
        #expect(d.run.steps["a"]?.status == .failed)
        #expect(d.run.steps["a"]?.error?.message == #"input: x: unterminated template expression (missing '}') at column 1 of "${oops""#)
    }

    @Test func aJobDispatchedAndCancelledInTheSamePassIsNeverPublished() {
        // b is dispatched first (by order), then c's broken template fails the run.
        var d = RunDriver([WorkflowStep(id: "b", topic: "job.echo"), WorkflowStep(id: "c", topic: "job.echo", input: ["x": .string("${")])])
        let pass = d.pass()
        #expect(pass.dispatches.isEmpty)
        #expect(pass.jobsToCancel.isEmpty)
        #expect(d.run.status == .failed)
        #expect(d.status("b") == .cancelled)
    }
}
