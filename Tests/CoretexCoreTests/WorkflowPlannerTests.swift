import CoretexCore
import CoretexProtocol
import Foundation
import Testing

/// Drives a run the way the engine does: pass, results, decisions, with a manual clock.
struct RunDriver {
    var workflow: Workflow
    var run: WorkflowRun
    var now = Date(timeIntervalSince1970: 1_000_000)
    var published: [String] = []

    init(_ steps: [WorkflowStep], timeoutSec: Int = 0, input: JSONValue? = json(#"{"name":"ann"}"#)) {
        workflow = Workflow(id: "wf", timeoutSec: timeoutSec, steps: steps)
        run = WorkflowRun(id: "R", workflowID: "wf", orgID: "org", teamID: "team", input: input)
    }

    @discardableResult
    mutating func pass() -> SchedulingPass {
        let pass = WorkflowPlanner.plan(workflow: workflow, run: run, now: now)
        run = pass.run
        published += pass.dispatches.map(\.jobIDString)
        return pass
    }

    /// Applies a result and, like the engine, runs a pass when the run is still active.
    @discardableResult
    mutating func finish(_ jobID: String, _ state: JobState = .succeeded, output: JSONValue? = nil, error: String = "") -> ResultOutcome {
        let ptr = state == .succeeded ? "redis://res:\(jobID)" : ""
        let outcome = run.apply(
            StepJobResult(jobID: jobID, state: state, resultPtr: ptr, errorMessage: error, output: output),
            workflow: workflow, now: now)
        if outcome.applied, !run.status.isTerminal { pass() }
        return outcome
    }

    mutating func advance(_ seconds: Double) { now = now.addingTimeInterval(seconds) }

    func status(_ id: String) -> StepStatus? { run.stepRun(id)?.status }
}

func job(_ id: String, attempts: Int = 1) -> String { "R:\(id)@\(attempts)" }

@Suite struct WorkflowPlannerTests {
    // MARK: Shapes of DAGs

    @Test func aChainRunsOneStepAfterTheOther() throws {
        var d = RunDriver([
            WorkflowStep(id: "a", topic: "job.echo"),
            WorkflowStep(id: "b", topic: "job.echo", dependsOn: ["a"], input: ["v": .string("${steps.a.output.v}"), "msg": .string("got ${steps.a.output.v}")]),
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
        let wf = Workflow(id: "wf", steps: [
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
        #expect(d.run.status == .succeeded, "the original left this run running for ever")
    }

    @Test func aTrueConditionDispatches() {
        var d = RunDriver([WorkflowStep(id: "a", topic: "job.echo", condition: "input.name == 'ann' && length(input.name) == 3")])
        d.pass()
        #expect(d.published == [job("a")])
    }

    @Test func aBrokenConditionFailsTheStep() {
        var d = RunDriver([WorkflowStep(id: "a", topic: "job.echo", condition: "input.name ==")])
        let pass = d.pass()
        #expect(pass.actions.contains(.failStep(stepID: "a", message: "condition: unexpected end of expression at column 14 of `input.name ==`")))
        #expect(d.run.status == .failed)
        #expect(d.run.error == WorkflowError("condition: unexpected end of expression at column 14 of `input.name ==`", stepID: "a"))
    }

    // MARK: Dispatch

    @Test func aDispatchCarriesEverythingTheJobNeeds() throws {
        var d = RunDriver(
            [WorkflowStep(id: "s", workerID: "w-1", topic: "job.chat.simple", timeoutSec: 30, routeLabels: ["gpu": "a100", "step_id": "custom"])],
            input: json(#"{"priority":"Interactive","memory_id":"  mem-1 ","prompt":"hi"}"#))
        let dispatch = try #require(d.pass().dispatches.first)
        #expect(dispatch.jobIDString == "R:s@1")
        #expect(dispatch.traceID == "R")
        #expect(dispatch.topic == "job.chat.simple")
        #expect(dispatch.payload == json(#"{"priority":"Interactive","memory_id":"  mem-1 ","prompt":"hi"}"#), "no input: the whole run input")
        #expect(dispatch.adapterID == "w-1")
        #expect(dispatch.deadlineMs == 30_000)
        #expect(dispatch.priority == .interactive)
        #expect(dispatch.memoryID == "mem-1")
        #expect(dispatch.contextMode == "chat")
        #expect(dispatch.tenantID == "org")
        #expect(dispatch.env == [
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

    // MARK: Approvals

    @Test func approvalWaitsThenTheNextStepIsDispatched() throws {
        var d = RunDriver([
            WorkflowStep(id: "a", topic: "job.echo"),
            WorkflowStep(id: "gate", type: .approval, dependsOn: ["a"]),
            WorkflowStep(id: "b", topic: "job.echo", dependsOn: ["gate"]),
        ])
        d.pass()
        d.finish(job("a"))
        #expect(d.status("gate") == .waiting)
        #expect(d.run.status == .waiting)
        #expect(d.published == [job("a")])
        #expect(d.pass().actions.isEmpty, "nothing to do while waiting")

        #expect(throws: ApprovalError.stepNotWaiting("b", status: nil)) {
            _ = try d.run.decide(approvalOf: "b", ApprovalDecision(approved: true), workflow: d.workflow, now: d.now)
        }
        let cancelled = try d.run.decide(approvalOf: "gate", ApprovalDecision(approved: true, approver: "ann"), workflow: d.workflow, now: d.now)
        #expect(cancelled.isEmpty)
        #expect(d.run.status == .running)
        #expect(d.run.steps["gate"]?.approval == ApprovalRecord(approved: true, by: "ann", reason: nil, decidedAt: d.now))
        d.pass()
        #expect(d.published == [job("a"), job("b")])
        d.finish(job("b"))
        #expect(d.run.status == .succeeded)
    }

    @Test func rejectionFailsTheRunWithTheReasonAndCancelsTheRest() throws {
        var d = RunDriver([
            WorkflowStep(id: "gate", type: .approval),
            WorkflowStep(id: "side", topic: "job.echo"),
            WorkflowStep(id: "after", topic: "job.echo", dependsOn: ["gate"]),
        ])
        d.pass()
        #expect(d.run.status == .waiting)
        #expect(d.published == [job("side")], "branches next to an approval still run")
        let cancel = try d.run.decide(
            approvalOf: "gate", ApprovalDecision(approved: false, approver: "ann", reason: "too risky"), workflow: d.workflow, now: d.now)
        #expect(cancel == [job("side")])
        #expect(d.run.status == .failed)
        #expect(d.run.error == WorkflowError("approval rejected by ann: too risky", stepID: "gate"))
        #expect(d.status("gate") == .failed)
        #expect(d.status("side") == .cancelled)
        #expect(d.status("after") == .cancelled, "never started, and never will")
    }

    @Test func approvalErrorsAreDistinguishable() throws {
        var d = RunDriver([WorkflowStep(id: "gate", type: .approval), WorkflowStep(id: "x", topic: "job.echo", dependsOn: ["gate"])])
        d.pass()
        #expect(throws: ApprovalError.stepNotFound("nope")) {
            _ = try d.run.decide(approvalOf: "nope", ApprovalDecision(approved: true), workflow: d.workflow, now: d.now)
        }
        #expect(throws: ApprovalError.stepNotWaiting("x", status: nil)) {
            _ = try d.run.decide(approvalOf: "x", ApprovalDecision(approved: true), workflow: d.workflow, now: d.now)
        }
        #expect(ApprovalError.stepNotFound("nope").description == "step not found")
        #expect(ApprovalError.stepNotWaiting("x", status: nil).description == "step not waiting")
        _ = try d.run.decide(approvalOf: "gate", ApprovalDecision(approved: true), workflow: d.workflow, now: d.now)
        #expect(throws: ApprovalError.stepNotWaiting("gate", status: .succeeded)) {
            _ = try d.run.decide(approvalOf: "gate", ApprovalDecision(approved: true), workflow: d.workflow, now: d.now)
        }
        _ = try d.run.cancel(workflow: d.workflow, now: d.now)
        #expect(throws: ApprovalError.runFinished(.cancelled)) {
            _ = try d.run.decide(approvalOf: "gate", ApprovalDecision(approved: true), workflow: d.workflow, now: d.now)
        }
    }

    @Test func anApprovalBodyMustSayApproved() throws {
        #expect(throws: DecodingError.self) { _ = try decode(ApprovalDecision.self, "{}") }
        #expect(try decode(ApprovalDecision.self, #"{"approved":false,"reason":"no"}"#) == ApprovalDecision(approved: false, reason: "no"))
    }

    @Test func aResultWhileWaitingStillMovesTheOtherBranch() {
        var d = RunDriver([
            WorkflowStep(id: "gate", type: .approval),
            WorkflowStep(id: "a", topic: "job.echo"),
            WorkflowStep(id: "b", topic: "job.echo", dependsOn: ["a"]),
        ])
        d.pass()
        #expect(d.run.status == .waiting)
        d.finish(job("a"))
        #expect(d.published == [job("a"), job("b")], "the original only moved this at reconciler cadence")
        #expect(d.run.status == .waiting)
    }

    // MARK: for_each

    @Test func forEachWithMaxParallelOneDispatchesOneAtATime() throws {
        var d = RunDriver(
            [
                WorkflowStep(id: "fan", topic: "job.echo", forEach: "input.items", maxParallel: 1,
                             input: ["n": .string("${item.n}"), "label": .string("#${item.n}")], outputPath: "results"),
                WorkflowStep(id: "after", topic: "job.echo", dependsOn: ["fan"], input: ["all": .string("${steps.fan.output}")]),
            ],
            input: json(#"{"items":[{"n":1},{"n":2},{"n":3}]}"#))
        let first = d.pass()
        #expect(first.actions.contains(.fanOut(stepID: "fan", count: 3)))
        #expect(d.published == [job("fan[0]")])
        let dispatch = try #require(first.dispatches.first)
        #expect(dispatch.payload == json(##"{"n":1,"label":"#1","item":{"n":1}}"##))
        #expect(dispatch.env["foreach_index"] == "0")
        #expect(dispatch.env["foreach_item"] == #"{"n":1}"#)
        #expect(d.status("fan") == .running)
        #expect(d.status("fan[1]") == .pending)

        d.finish(job("fan[0]"), output: .string("one"))
        #expect(d.published == [job("fan[0]"), job("fan[1]")])
        d.finish(job("fan[1]"), output: .string("two"))
        #expect(d.published == [job("fan[0]"), job("fan[1]"), job("fan[2]")])
        d.finish(job("fan[2]"), output: .string("three"))
        #expect(d.status("fan") == .succeeded)
        #expect(d.run.context?["steps"]?["fan"] == json(#"{"output":["one","two","three"]}"#), "aggregated in index order")
        #expect(d.run.context?["results"] == json(#"["one","two","three"]"#))
        #expect(d.run.steps["after"]?.input == json(#"{"all":["one","two","three"]}"#))
        d.finish(job("after"))
        #expect(d.run.status == .succeeded)
    }

    @Test func forEachWithoutALimitDispatchesAllChildren() {
        var d = RunDriver([WorkflowStep(id: "fan", topic: "job.echo", forEach: "input.items")], input: json(#"{"items":["a","b"]}"#))
        d.pass()
        #expect(d.published == [job("fan[0]"), job("fan[1]")])
        #expect(d.run.steps["fan[0]"] == nil, "children live in the parent")
        #expect(d.run.stepRun("fan[1]")?.item == .string("b"))
        #expect(d.run.stepRun("fan[1]")?.input == json(#"{"items":["a","b"],"item":"b"}"#), "run input plus item")
        d.finish(job("fan[1]"))
        #expect(d.status("fan") == .running)
        d.finish(job("fan[0]"))
        #expect(d.run.status == .succeeded)
    }

    @Test func anEmptyForEachSucceedsAtOnce() {
        var d = RunDriver(
            [WorkflowStep(id: "fan", topic: "job.echo", forEach: "input.items"), WorkflowStep(id: "none", topic: "job.echo", forEach: "missing")],
            input: json(#"{"items":[]}"#))
        let pass = d.pass()
        #expect(pass.actions == [.startRun, .fanOut(stepID: "fan", count: 0), .fanOut(stepID: "none", count: 0), .finishRun(.succeeded)])
        #expect(d.run.status == .succeeded)
        #expect(d.run.context?["steps"]?["fan"] == json(#"{"output":[]}"#))
    }

    @Test func forEachItemsAreSnapshottedAtFanOut() {
        var d = RunDriver(
            [WorkflowStep(id: "src", topic: "job.echo"), WorkflowStep(id: "fan", topic: "job.echo", forEach: "steps.src.output", maxParallel: 1)])
        d.run.context = ["steps": json(#"{"src":{"output":["x","y"]}}"#)]
        d.pass()
        // Even if the source changes, the children keep their items.
        d.run.context = ["steps": json(#"{"src":{"output":["changed"]}}"#)]
        d.finish(job("fan[0]"))
        #expect(d.run.stepRun("fan[1]")?.item == .string("y"))
        #expect(d.published.contains(job("fan[1]")))
    }

    @Test func forEachOverANonArrayFailsTheStep() {
        var d = RunDriver([WorkflowStep(id: "fan", topic: "job.echo", forEach: "input.name")])
        let pass = d.pass()
        #expect(pass.actions.contains(.failStep(stepID: "fan", message: "for_each `input.name` must evaluate to an array, got a string")))
        #expect(d.run.status == .failed)
    }

    @Test func aFailedChildFailsTheParentAndCancelsItsSiblings() {
        var d = RunDriver([WorkflowStep(id: "fan", topic: "job.echo", forEach: "input.items", maxParallel: 2)], input: json(#"{"items":[1,2,3]}"#))
        d.pass()
        let outcome = d.finish(job("fan[1]"), .failed, error: "boom")
        #expect(outcome.jobsToCancel == [job("fan[0]")])
        #expect(d.status("fan") == .failed)
        #expect(d.run.steps["fan"]?.error?.message == "for_each child fan[1] failed: boom")
        #expect(d.status("fan[0]") == .cancelled)
        #expect(d.status("fan[2]") == .cancelled, "never dispatched")
        #expect(d.run.status == .failed)
        #expect(d.published == [job("fan[0]"), job("fan[1]")])
    }

    @Test func forEachChildrenAreRetriedOnTheirOwn() {
        let retry = RetryPolicy(maxRetries: 1, initialBackoffSec: 5)
        var d = RunDriver([WorkflowStep(id: "fan", topic: "job.echo", forEach: "input.items", retry: retry)], input: json(#"{"items":[1,2]}"#))
        d.pass()
        let outcome = d.finish(job("fan[0]"), .failed)
        #expect(outcome.retryAt == d.now.addingTimeInterval(5))
        #expect(d.status("fan") == .running)
        #expect(d.pass().nextWakeAt == d.now.addingTimeInterval(5))
        d.advance(5)
        d.pass()
        #expect(d.published.last == job("fan[0]", attempts: 2))
    }

    // MARK: Retries

    @Test func theContractsRetryVector() {
        // engine_test.go: {max_retries:1, initial_backoff_sec:1, multiplier:1}; @1 FAILED,
        // a second publish about 1 s later, @2 SUCCEEDED → run succeeded.
        var d = RunDriver([WorkflowStep(id: "step", topic: "job.echo", retry: RetryPolicy(maxRetries: 1, initialBackoffSec: 1, multiplier: 1))])
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
        var d = RunDriver([WorkflowStep(id: "a", topic: "job.echo"), WorkflowStep(id: "b", topic: "job.echo"), WorkflowStep(id: "c", topic: "job.echo", dependsOn: ["a"])])
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

    // MARK: Cancellation

    @Test func cancelEndsEveryStepAndReturnsTheRunningJobs() throws {
        var d = RunDriver([
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

    // MARK: Definitions that skipped validation

    @Test func aCycleFailsTheRunInsteadOfHanging() {
        var d = RunDriver([WorkflowStep(id: "a", topic: "job.echo", dependsOn: ["b"]), WorkflowStep(id: "b", topic: "job.echo", dependsOn: ["a"])])
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
