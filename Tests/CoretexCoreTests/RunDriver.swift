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
