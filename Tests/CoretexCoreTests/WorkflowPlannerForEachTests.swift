import CoretexCore
import CoretexProtocol
import Foundation
import Testing

/// `for_each` steps: fan-out, limits, failures and retries of children.
@Suite struct WorkflowPlannerForEachTests {
    // MARK: for_each

    @Test func forEachWithMaxParallelOneDispatchesOneAtATime() throws {
        var d = RunDriver(
            [
                WorkflowStep(
                    id: "fan", topic: "job.echo", forEach: "input.items", maxParallel: 1,
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
            [
                WorkflowStep(id: "fan", topic: "job.echo", forEach: "input.items"),
                WorkflowStep(id: "none", topic: "job.echo", forEach: "missing"),
            ],
            input: json(#"{"items":[]}"#))
        let pass = d.pass()
        #expect(pass.actions == [.startRun, .fanOut(stepID: "fan", count: 0), .fanOut(stepID: "none", count: 0), .finishRun(.succeeded)])
        #expect(d.run.status == .succeeded)
        #expect(d.run.context?["steps"]?["fan"] == json(#"{"output":[]}"#))
    }

    @Test func forEachItemsAreSnapshottedAtFanOut() {
        var d = RunDriver(
            [
                WorkflowStep(id: "src", topic: "job.echo"),
                WorkflowStep(id: "fan", topic: "job.echo", forEach: "steps.src.output", maxParallel: 1),
            ])
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
        var d = RunDriver(
            [WorkflowStep(id: "fan", topic: "job.echo", forEach: "input.items", maxParallel: 2)], input: json(#"{"items":[1,2,3]}"#))
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
        var d = RunDriver(
            [WorkflowStep(id: "fan", topic: "job.echo", forEach: "input.items", retry: retry)], input: json(#"{"items":[1,2]}"#))
        d.pass()
        let outcome = d.finish(job("fan[0]"), .failed)
        #expect(outcome.retryAt == d.now.addingTimeInterval(5))
        #expect(d.status("fan") == .running)
        #expect(d.pass().nextWakeAt == d.now.addingTimeInterval(5))
        d.advance(5)
        d.pass()
        #expect(d.published.last == job("fan[0]", attempts: 2))
    }
}
