import CoretexProtocol
import Foundation

/// One thing a scheduling pass decided.
public enum PassAction: Equatable, Sendable {
    /// The run went from `pending` to `running`.
    case startRun
    /// Publish this job. The step is already marked `running` in the pass's run; if
    /// publishing fails, call `WorkflowRun.dispatchFailed`.
    case dispatch(StepDispatch)
    /// The condition was false: the step succeeded without running (`skipped: true`).
    case skip(stepID: String)
    /// An approval step started waiting.
    case awaitApproval(stepID: String)
    /// A for_each step snapshotted its items and created this many children (0: it
    /// succeeded at once).
    case fanOut(stepID: String, count: Int)
    /// A step (or child) failed without a job: an expression, `for_each` value or payload
    /// problem.
    case failStep(stepID: String, message: String)
    /// The pass ended the run with this status.
    case finishRun(RunStatus)
    /// Cancel this running job (`sys.job.cancel`): its run has ended.
    case cancelJob(String)
}

/// The outcome of one scheduling pass: the run as it is once the actions are carried out,
/// and the actions.
public struct SchedulingPass: Equatable, Sendable {
    public var run: WorkflowRun
    public var actions: [PassAction]
    /// When the engine should run the next pass even if no result arrives: the earliest
    /// retry backoff or the run deadline. nil when only results or approvals can move the run.
    public var nextWakeAt: Date?

    public var dispatches: [StepDispatch] {
        actions.compactMap { if case .dispatch(let d) = $0 { d } else { nil } }
    }

    public var jobsToCancel: [String] {
        actions.compactMap { if case .cancelJob(let id) = $0 { id } else { nil } }
    }
}

/// The scheduling pass (docs/workflows.md, "Scheduling"), as a pure function of the
/// definition, the run and the time.
///
/// Rules, and why:
/// - steps are visited in a stable order (dependencies first, then by id) instead of map
///   order, and a step made ready by an earlier one in the same pass (a skipped or
///   approved-earlier dependency, an empty for_each) is handled in that same pass;
/// - the run status is recomputed at the end of every pass, so runs cannot hang in
///   `running` after the last step was skipped, and a run with nothing left that
///   can ever start (a dependency cycle in an unvalidated definition) fails instead of
///   hanging;
/// - a condition is evaluated once, when the dependencies are first met (not again before
///   each retry), and an evaluation problem fails the step instead of being retried silently
///   on every pass;
/// - for_each items are evaluated once, at fan-out, and kept on the children, so later
///   changes to the context cannot change the fan-out;
/// - `workflow.timeout_sec` is enforced;
/// - the pass runs for `waiting` runs as well as `running` ones, so branches next to a
///   pending approval keep moving.
public enum WorkflowPlanner {
    public static func plan(workflow: Workflow, run: WorkflowRun, now: Date) -> SchedulingPass {
        var pass = Pass(workflow: workflow, run: run, now: now)
        pass.run()
        // A job dispatched and cancelled within the same pass (its run failed later in the
        // pass) is simply never published.
        let cancelled = Set(pass.actions.compactMap { if case .cancelJob(let id) = $0 { id } else { nil } })
        let actions = pass.actions.filter { action in
            switch action {
            case .dispatch(let d): !cancelled.contains(d.jobIDString)
            case .cancelJob(let id): !pass.dispatchedJobIDs.contains(id)
            default: true
            }
        }
        return SchedulingPass(run: pass.state, actions: actions, nextWakeAt: pass.nextWakeAt())
    }

    /// Definition step ids, dependencies before dependants, ties by id. Steps in a cycle (or
    /// depending on one) come last, by id.
    public static func executionOrder(of workflow: Workflow) -> [String] {
        var remaining: [String: Set<String>] = [:]
        var dependants: [String: [String]] = [:]
        for (id, step) in workflow.steps {
            let deps = Set(step.dependsOn.filter { workflow.steps[$0] != nil && $0 != id })
            remaining[id] = deps
            for dep in deps { dependants[dep, default: []].append(id) }
        }
        var ready = remaining.filter { $0.value.isEmpty }.map(\.key).sorted()
        var order: [String] = []
        while !ready.isEmpty {
            let id = ready.removeFirst()
            order.append(id)
            var unlocked: [String] = []
            for dependant in dependants[id] ?? [] {
                remaining[dependant]?.remove(id)
                if remaining[dependant]?.isEmpty == true { unlocked.append(dependant) }
            }
            ready = (ready + unlocked).sorted()
        }
        let placed = Set(order)
        return order + workflow.steps.keys.filter { !placed.contains($0) }.sorted()
    }
}

/// The working state of one pass.
private struct Pass {
    let workflow: Workflow
    var state: WorkflowRun
    let now: Date
    var actions: [PassAction] = []

    var dispatchedJobIDs: Set<String> {
        Set(actions.compactMap { if case .dispatch(let d) = $0 { d.jobIDString } else { nil } })
    }

    init(workflow: Workflow, run: WorkflowRun, now: Date) {
        self.workflow = workflow
        self.state = run
        self.now = now
    }

    mutating func run() {
        guard !state.status.isTerminal else { return }
        if state.status == .pending {
            state.move(to: .running)
            state.startedAt = now
            actions.append(.startRun)
        }
        if let jobs = state.timeOutIfDue(workflow: workflow, now: now) {
            end(.timedOut, cancelling: jobs)
            return
        }
        for id in WorkflowPlanner.executionOrder(of: workflow) {
            visit(workflow.steps[id]!)
        }
        let jobs = state.settle(workflow: workflow, now: now)
        if state.status.isTerminal {
            end(state.status, cancelling: jobs)
        } else if !hasWorkInFlight {
            let stuck = workflow.steps.keys.filter { !(state.steps[$0]?.status.isTerminal ?? false) }.sorted()
            let message = "steps can never start (dependency cycle?): \(stuck.joined(separator: ", "))"
            state.error = WorkflowError(message)
            end(.failed, cancelling: state.finish(.failed, workflow: workflow, reason: message, now: now))
        }
    }

    private mutating func end(_ status: RunStatus, cancelling jobs: [String]) {
        actions.append(.finishRun(status))
        actions += jobs.map(PassAction.cancelJob)
    }

    /// Something can still move the run without a new pass being the only hope: a job in
    /// flight, an approval, or a retry backoff.
    private var hasWorkInFlight: Bool {
        state.steps.values.contains { step in
            Self.isInFlight(step) || step.children.values.contains(where: Self.isInFlight)
        }
    }

    private static func isInFlight(_ step: StepRun) -> Bool {
        step.status == .running || step.status == .waiting || (step.status == .pending && step.nextAttemptAt != nil)
    }

    func nextWakeAt() -> Date? {
        guard !state.status.isTerminal else { return nil }
        var times: [Date] = []
        for step in state.steps.values {
            for s in [step] + Array(step.children.values) where s.status == .pending {
                if let at = s.nextAttemptAt { times.append(max(at, now)) }
            }
        }
        if let deadline = RunTimeout.deadline(of: state, workflow: workflow) { times.append(deadline) }
        return times.min()
    }

    private mutating func visit(_ step: WorkflowStep) {
        let id = step.id
        let current = state.steps[id]
        switch current?.status {
        case .succeeded, .failed, .cancelled, .timedOut, .waiting:
            return
        case .running:
            if step.isForEach { dispatchChildren(of: step) }
            return
        case .pending, nil:
            break
        }
        if let unknown = step.dependsOn.first(where: { workflow.steps[$0] == nil || $0 == id }) {
            fail(id, "depends on unknown step \"\(unknown)\"")
            return
        }
        guard step.dependsOn.allSatisfy({ state.steps[$0]?.status == .succeeded }) else { return }

        let firstVisit = current == nil || (current!.attempts == 0 && current!.children.isEmpty)
        if firstVisit, step.hasCondition {
            let condition: WorkflowExpression
            do { condition = try WorkflowExpression(step.condition) } catch {
                fail(id, "condition: \(error)")
                return
            }
            if !condition.isTrue(in: state.scope()) {
                var skipped = current ?? StepRun(stepID: id)
                skipped.move(to: .succeeded)
                skipped.skipped = true
                skipped.startedAt = now
                skipped.completedAt = now
                state.steps[id] = skipped
                actions.append(.skip(stepID: id))
                return
            }
        }
        if step.type.isApproval {
            var waiting = current ?? StepRun(stepID: id)
            waiting.move(to: .waiting)
            waiting.startedAt = now
            state.steps[id] = waiting
            actions.append(.awaitApproval(stepID: id))
            return
        }
        if step.isForEach {
            fanOut(step)
            return
        }
        var stepRun = current ?? StepRun(stepID: id)
        if let next = stepRun.nextAttemptAt, next > now { return }
        if let dispatch = dispatch(step, &stepRun, index: nil, item: nil) {
            actions.append(.dispatch(dispatch))
        }
        state.steps[id] = stepRun
    }

    /// Builds the payload and marks the step (or child) `running`; on a payload problem
    /// marks it `failed` instead and returns nil.
    private mutating func dispatch(_ step: WorkflowStep, _ stepRun: inout StepRun, index: Int?, item: JSONValue?) -> StepDispatch? {
        let payload: JSONValue
        do {
            payload = try StepDispatch.payload(step: step, run: state, item: item)
        } catch {
            stepRun.move(to: .failed)
            stepRun.completedAt = now
            stepRun.nextAttemptAt = nil
            stepRun.error = WorkflowError("input: \(error)")
            actions.append(.failStep(stepID: stepRun.stepID, message: "input: \(error)"))
            return nil
        }
        let attempt = stepRun.attempts + 1
        let jobID = WorkflowJobID(runID: state.id, stepID: step.id, index: index, attempt: attempt)
        stepRun.move(to: .running)
        stepRun.attempts = attempt
        stepRun.jobID = jobID.description
        stepRun.input = payload
        stepRun.nextAttemptAt = nil
        if stepRun.startedAt == nil { stepRun.startedAt = now }
        return StepDispatch(jobID: jobID, step: step, workflow: workflow, run: state, payload: payload, item: item)
    }

    /// First visit of a for_each step: evaluate the items once and create the children.
    private mutating func fanOut(_ step: WorkflowStep) {
        let id = step.id
        let items: [JSONValue]
        do {
            switch try WorkflowExpression(step.forEach).evaluate(in: state.scope()) {
            case .array(let a): items = a
            case .null: items = []
            case let other:
                fail(id, "for_each `\(step.forEach)` must evaluate to an array, got \(Self.typeName(other))")
                return
            }
        } catch {
            fail(id, "for_each: \(error)")
            return
        }
        var parent = state.steps[id] ?? StepRun(stepID: id)
        parent.startedAt = now
        actions.append(.fanOut(stepID: id, count: items.count))
        if items.isEmpty {
            parent.move(to: .succeeded)
            parent.completedAt = now
            state.steps[id] = parent
            state.recordSuccess(of: step, stepRunID: id, resultPtr: "", output: .array([]))
            return
        }
        for (index, item) in items.enumerated() {
            var child = StepRun(stepID: WorkflowJobID.childID(id, index))
            child.item = item
            parent.children[child.stepID] = child
        }
        parent.move(to: .running)
        state.steps[id] = parent
        dispatchChildren(of: step)
    }

    /// Dispatches pending children in index order while fewer than `max_parallel` run.
    private mutating func dispatchChildren(of step: WorkflowStep) {
        guard var parent = state.steps[step.id] else { return }
        var running = parent.children.values.filter { $0.status == .running }.count
        for var child in parent.orderedChildren {
            if step.maxParallel > 0, running >= step.maxParallel { break }
            guard child.status == .pending else { continue }
            if let next = child.nextAttemptAt, next > now { continue }
            let index = StepRun.childIndex(child.stepID) ?? 0
            if let dispatch = dispatch(step, &child, index: index, item: child.item ?? .null) {
                actions.append(.dispatch(dispatch))
                running += 1
            }
            parent.children[child.stepID] = child
        }
        state.steps[step.id] = parent
        let jobs = state.fanIn(parentID: step.id, workflow: workflow, now: now)
        actions += jobs.map(PassAction.cancelJob)
    }

    private mutating func fail(_ id: String, _ message: String) {
        var stepRun = state.steps[id] ?? StepRun(stepID: id)
        stepRun.move(to: .failed)
        stepRun.completedAt = now
        stepRun.error = WorkflowError(message)
        state.steps[id] = stepRun
        actions.append(.failStep(stepID: id, message: message))
    }

    private static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a bool"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
