import CoretexProtocol
import Foundation

/// The bookkeeping shared by scheduling, results, approvals, cancellation and timeouts.
extension WorkflowRun {
    /// Recomputes the run status from the steps (docs/workflows.md, "Run status"). When that
    /// ends the run, the steps still in flight are cancelled and their job ids returned, so
    /// siblings of a failed step do not keep running for a run nobody follows any more.
    mutating func settle(workflow: Workflow, now: Date) -> [String] {
        guard status != .pending else { return [] }
        let next = RunStatusAggregation.status(current: status, steps: steps, stepIDs: workflow.steps.keys)
        guard next != status else { return [] }
        guard next.isTerminal else {
            move(to: next)
            return []
        }
        if error == nil, next != .succeeded,
            let failing = RunStatusAggregation.failingStep(steps: steps, stepIDs: workflow.steps.keys)
        {
            let message = failing.error?.message ?? "step \(failing.status.rawValue)"
            error = WorkflowError(message, stepID: failing.stepID)
        }
        return finish(next, workflow: workflow, reason: "workflow run \(next.rawValue)", now: now)
    }

    /// Ends the run with `status`. Every step that has not finished (including steps that
    /// never started, and for_each children) becomes `cancelled` with `reason`. Returns the
    /// ids of the jobs that were running, sorted and without duplicates.
    mutating func finish(_ target: RunStatus, workflow: Workflow, reason: String, now: Date) -> [String] {
        move(to: target)
        completedAt = now
        var jobs: Set<String> = []
        let ids = Set(workflow.steps.keys).union(steps.keys)
        for id in ids.sorted() {
            var stepRun = steps[id] ?? StepRun(stepID: id)
            if stepRun.status.isTerminal { continue }
            jobs.formUnion(stepRun.cancel(reason: reason, now: now))
            steps[id] = stepRun
        }
        return jobs.sorted()
    }

    /// for_each fan-in (docs/workflows.md, "for_each") after a child changed: the parent fails
    /// as soon as any child is unsuccessful (and its other children are cancelled), succeeds
    /// when all succeeded (with the children's outputs collected in order), and keeps running
    /// otherwise.
    mutating func fanIn(parentID: String, workflow: Workflow, now: Date) -> [String] {
        guard var parent = steps[parentID], parent.status == .running, let step = workflow.steps[parentID] else { return [] }
        // Called for every child's result: the cheap unordered checks come first, and the
        // children are put in order (a sort) only once, when the fan-in completes.
        let unordered = parent.children.values
        if !unordered.contains(where: { $0.status.isUnsuccessful }), unordered.contains(where: { !$0.status.isTerminal }) {
            return []
        }
        let children = parent.orderedChildren
        if let bad = children.first(where: { $0.status.isUnsuccessful }) {
            let why = bad.error.map { ": \($0.message)" } ?? ""
            parent.error = WorkflowError("for_each child \(bad.stepID) \(bad.status.rawValue)\(why)")
            var jobs: [String] = []
            for var child in children where !child.status.isTerminal {
                jobs += child.cancel(reason: "sibling \(bad.stepID) \(bad.status.rawValue)", now: now)
                parent.children[child.stepID] = child
            }
            parent.move(to: .failed)
            parent.completedAt = now
            steps[parentID] = parent
            return jobs
        }
        guard children.allSatisfy({ $0.status == .succeeded }) else { return [] }
        parent.move(to: .succeeded)
        parent.completedAt = now
        steps[parentID] = parent
        // The parent's output is the list of its children's outputs, so later steps can use them.
        let stepsContext = context?["steps"]
        let outputs = children.map { stepsContext?[$0.stepID]?["output"] ?? .null }
        recordSuccess(of: step, stepRunID: parentID, resultPtr: "", output: .array(outputs))
        return []
    }

    /// Writes a successful step's output where expressions find it (docs/workflows.md,
    /// "Step outputs"): `context.steps[id] = {result_ptr, output}` and, for definition steps,
    /// `output_path` (the inline output, or the pointer when the output could not be read).
    mutating func recordSuccess(of step: WorkflowStep, stepRunID: String, resultPtr: String, output: JSONValue?) {
        var entry: [String: JSONValue] = [:]
        if !resultPtr.isEmpty { entry["result_ptr"] = .string(resultPtr) }
        if let output { entry["output"] = output }
        if !entry.isEmpty { recordOutput(stepID: stepRunID, entry: entry) }
        guard stepRunID == step.id, !step.outputPath.isEmpty else { return }
        if let value = output ?? (resultPtr.isEmpty ? nil : .string(resultPtr)) {
            writeContext(value, atPath: step.outputPath)
        }
    }
}

extension StepRun {
    /// Cancels this step and its unfinished children; returns the job ids that were running.
    mutating func cancel(reason: String, now: Date) -> [String] {
        guard !status.isTerminal else { return [] }
        var jobs: [String] = []
        for (id, var child) in children where !child.status.isTerminal {
            jobs += child.cancel(reason: reason, now: now)
            children[id] = child
        }
        if status == .running, let jobID { jobs.append(jobID) }
        move(to: .cancelled)
        completedAt = now
        nextAttemptAt = nil
        if error == nil { error = WorkflowError(reason) }
        return jobs
    }
}
