import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexRuntime
import Foundation
import Logging
import Synchronization

/// Turns workflow runs into jobs and job results into run progress.
///
/// The decisions are pure (`WorkflowPlanner`, `WorkflowRun.apply/decide/cancel` in
/// CoretexCore); this type carries them out: it loads and saves runs under their lock,
/// publishes step jobs and cancels, reads step outputs, and wakes runs up for retries and
/// timeouts. Every operation on a run holds `coretex:wf:run:lock:<run>` and waits for it
/// rather than dropping work, so an approval, a result and a cancel arriving together are
/// applied in turn and none is lost.
public final class WorkflowEngine: Sendable {
    static let senderID = "workflow-engine"

    let connections: Connections
    let lifecycle: JobLifecycle
    package let store: WorkflowStore
    let pools: PoolRouting
    let logger: Logger
    private let wakeups = Mutex<[String: Task<Void, Never>]>([:])

    public init(connections: Connections, pools: PoolRouting, runTTL: Int = 7 * 86_400, logger: Logger) {
        self.connections = connections
        self.lifecycle = JobLifecycle(connections: connections, senderID: Self.senderID, logger: logger)
        self.store = WorkflowStore(redis: connections.redis, runTTL: runTTL)
        self.pools = pools
        self.logger = logger
    }

    // MARK: Definitions

    /// Validates and saves a definition. Throws `WorkflowValidation.Issue` naming the step.
    public func save(_ workflow: Workflow, now: Date = Date()) async throws -> Workflow {
        var workflow = workflow
        if workflow.id.isEmpty { workflow.id = UUID().uuidString.lowercased() }
        for (id, step) in workflow.steps where step.id != id { workflow.steps[id]?.id = id }
        try WorkflowValidation.validate(workflow) { self.pools.pool(for: $0) != nil }
        let existing = try await store.workflow(workflow.id)
        workflow.createdAt = existing?.createdAt ?? now
        workflow.updatedAt = now
        try await store.save(workflow)
        return workflow
    }

    public func workflow(_ id: String) async throws -> Workflow? { try await store.workflow(id) }

    // MARK: Runs

    /// Creates a run and makes its first pass (dispatching the first steps).
    public func startRun(
        of workflow: Workflow, input: JSONValue?, org: String, team: String, id: String = UUID().uuidString.lowercased(),
        now: Date = Date()
    ) async throws -> WorkflowRun {
        let run = WorkflowRun(
            id: id, workflowID: workflow.id, orgID: org, teamID: team,
            input: input, createdAt: now)
        try await store.save(run)
        return try await advance(run.id) ?? run
    }

    /// One scheduling pass over the run, carried out; nil when the run does not exist.
    @discardableResult
    public func advance(_ runID: String) async throws -> WorkflowRun? {
        try await store.withRunLock(runID) {
            guard let run = try await store.run(runID), !run.status.isTerminal else { return try await store.run(runID) }
            guard let workflow = try await store.workflow(run.workflowID) else {
                var failed = run
                let jobs = (try? failed.fail("workflow \(run.workflowID) no longer exists", workflow: nil, now: Date())) ?? []
                await cancelJobs(jobs)
                try await store.save(failed)
                return failed
            }
            return try await pass(run, workflow)
        }
    }

    /// Plans a pass, publishes what it decided, saves the run. Caller holds the run lock.
    private func pass(_ run: WorkflowRun, _ workflow: Workflow) async throws -> WorkflowRun {
        let now = Date()
        let planned = WorkflowPlanner.plan(workflow: workflow, run: run, now: now)
        var run = planned.run
        var wake = planned.nextWakeAt
        for action in planned.actions {
            switch action {
            case .dispatch(let dispatch):
                do {
                    try await publish(dispatch)
                } catch {
                    let outcome = run.dispatchFailed(
                        jobID: dispatch.jobIDString, message: "dispatch failed: \(error)",
                        workflow: workflow, now: now)
                    await cancelJobs(outcome.jobsToCancel)
                    if let retry = outcome.retryAt { wake = min(wake ?? retry, retry) }
                    logger.warning("step dispatch failed", metadata: ["job_id": "\(dispatch.jobIDString)", "error": "\(error)"])
                }
            case .cancelJob(let id):
                await cancelJobs([id])
            default:
                break
            }
        }
        run.updatedAt = now
        try await store.save(run)
        schedule(run.id, at: run.status.isTerminal ? nil : wake)
        return run
    }

    /// Records the step job (context at `ctx:<id>`, PENDING meta, trace) and publishes it on
    /// `sys.job.submit`, as the gateway does for a plain job.
    private func publish(_ d: StepDispatch) async throws {
        var r = JobLifecycle.request(id: d.jobIDString, topic: d.topic, tenant: d.tenantID)
        r.priority = d.priority
        r.adapterID = d.adapterID ?? ""
        r.memoryID = d.memoryID
        r.workflowID = d.workflowID
        r.env.merge(d.env) { _, step in step }
        r.labels = d.labels
        if let ms = d.deadlineMs, ms > 0 { r.budget.deadlineMs = ms }
        let context = String(decoding: try JSONEncoder.sorted.encode(d.payload), as: UTF8.self)
        try await lifecycle.submit(r, traceID: d.traceID, context: context)
    }

    /// Cancels step jobs the run no longer wants: recorded in the store first, so a job that
    /// no scheduler has received yet is not published again by the reconciler, then announced
    /// to the worker that may hold it.
    private func cancelJobs(_ ids: [String]) async {
        let (lifecycle, logger) = (lifecycle, logger)
        await withTaskGroup(of: Void.self) { group in
            for id in Set(ids) {
                group.addTask {
                    do {
                        try await lifecycle.end(id, .cancelled(reason: "workflow run cancelled"))
                    } catch {
                        logger.warning("step job not cancelled", metadata: ["job_id": "\(id)", "error": "\(error)"])
                    }
                }
            }
        }
    }

    // MARK: Results

    /// A step job's outcome as it arrived on `sys.job.result`.
    public struct JobOutcome: Sendable {
        public var jobID: String
        public var state: JobState
        public var resultPtr: String
        public var errorMessage: String

        public init(jobID: String, state: JobState, resultPtr: String, errorMessage: String) {
            self.jobID = jobID
            self.state = state
            self.resultPtr = resultPtr
            self.errorMessage = errorMessage
        }
    }

    /// Applies a job result to its run (ignored unless the job is a step of an active run).
    public func handle(jobID: String, state: JobState, resultPtr: String, errorMessage: String) async {
        await handle([JobOutcome(jobID: jobID, state: state, resultPtr: resultPtr, errorMessage: errorMessage)])
    }

    /// Applies results that arrived together: per run, one lock, one read, every result, one
    /// pass and one write. A 1,000-way fan-out's results thus cost a few run rewrites instead
    /// of one each (the run document grows with its steps, so one write per result made a
    /// large fan-out quadratic).
    public func handle(_ outcomes: [JobOutcome]) async {
        let byRun = Dictionary(grouping: outcomes.compactMap { o in WorkflowJobID(o.jobID).map { ($0.runID, o) } }, by: \.0)
        for (runID, entries) in byRun {
            let started = ContinuousClock.now
            defer {
                logger.debug(
                    "results applied",
                    metadata: [
                        "run": "\(runID)", "results": "\(entries.count)",
                        "took": "\(ContinuousClock.now - started)",
                    ])
            }
            do {
                try await store.withRunLock(runID) {
                    guard var run = try await store.run(runID), !run.status.isTerminal,
                        let workflow = try await store.workflow(run.workflowID)
                    else { return }
                    var applied = false
                    var toCancel: [String] = []
                    for (_, o) in entries {
                        let result = StepJobResult(
                            jobID: o.jobID, state: o.state, resultPtr: o.resultPtr, errorMessage: o.errorMessage,
                            output: o.state == .succeeded ? try await output(o.resultPtr) : nil)
                        let outcome = run.apply(result, workflow: workflow, now: Date())
                        applied = applied || outcome.applied
                        toCancel += outcome.jobsToCancel
                    }
                    guard applied else { return }
                    await cancelJobs(toCancel)
                    _ = try await pass(run, workflow)
                }
            } catch {
                logger.warning(
                    "workflow results not applied",
                    metadata: ["run": "\(runID)", "results": "\(entries.count)", "error": "\(error)"])
            }
        }
    }

    /// The step's output as JSON (or text), when small enough to inline (`inlineOutputLimit`).
    private func output(_ pointer: String) async throws -> JSONValue? {
        guard !pointer.isEmpty, let bytes = try await connections.store.blob(pointer: pointer),
            bytes.count <= StepJobResult.inlineOutputLimit
        else { return nil }
        return JSONValue.parse(bytes) ?? .string(String(decoding: bytes, as: UTF8.self))
    }

    // MARK: Approvals and cancellation

    public enum RunError: Error, Sendable, Equatable {
        case runNotFound
        case approval(ApprovalError)
        case cancel(CancelError)
    }

    /// Approves or rejects a waiting approval step, then advances the run.
    public func decide(runID: String, stepID: String, _ decision: ApprovalDecision) async throws -> WorkflowRun {
        try await store.withRunLock(runID) {
            guard var run = try await store.run(runID) else { throw RunError.runNotFound }
            guard let workflow = try await store.workflow(run.workflowID) else { throw RunError.runNotFound }
            do {
                await cancelJobs(try run.decide(approvalOf: stepID, decision, workflow: workflow, now: Date()))
            } catch let error as ApprovalError {
                throw RunError.approval(error)
            }
            return try await pass(run, workflow)
        }
    }

    public func cancel(runID: String) async throws -> WorkflowRun {
        try await store.withRunLock(runID) {
            guard var run = try await store.run(runID) else { throw RunError.runNotFound }
            let workflow = try await store.workflow(run.workflowID) ?? Workflow(id: run.workflowID)
            do {
                await cancelJobs(try run.cancel(workflow: workflow, now: Date()))
            } catch let error as CancelError {
                throw RunError.cancel(error)
            }
            run.updatedAt = Date()
            try await store.save(run)
            schedule(runID, at: nil)
            return run
        }
    }

    // MARK: Reconciling

    /// Re-drives active runs from the job store: results that never arrived (a denied job,
    /// a scheduler timeout, a result dropped while the engine was down) are read from the
    /// jobs' recorded states, then a pass dispatches retries whose backoff has passed,
    /// starts pending runs and times out overdue ones.
    public func reconcile(limit: Int) async -> Int {
        var count = 0
        for status in [RunStatus.pending, .running, .waiting] {
            guard let ids = try? await store.runIDs(in: WorkflowKeys.runsIn(status.rawValue), limit: limit) else { continue }
            for id in ids {
                do {
                    try await reconcileRun(id)
                    count += 1
                } catch {
                    logger.warning("workflow run not reconciled", metadata: ["run_id": "\(id)", "error": "\(error)"])
                }
            }
        }
        return count
    }

    private func reconcileRun(_ id: String) async throws {
        try await store.withRunLock(id) {
            guard var run = try await store.run(id), !run.status.isTerminal else { return }
            guard let workflow = try await store.workflow(run.workflowID) else {
                await cancelJobs((try? run.fail("workflow \(run.workflowID) no longer exists", workflow: nil, now: Date())) ?? [])
                try await store.save(run)
                return
            }
            for jobID in run.runningJobIDs {
                guard let state = try await connections.store.state(jobID), state.isTerminal else { continue }
                let meta = try await connections.store.meta(jobID)
                let pointer = meta["result_ptr"] ?? ""
                let result = StepJobResult(
                    jobID: jobID, state: state, resultPtr: pointer,
                    errorMessage: state == .succeeded ? "" : "job state: \(state.rawValue)",
                    output: state == .succeeded ? try await output(pointer) : nil)
                _ = run.apply(result, workflow: workflow, now: Date())
            }
            _ = try await pass(run, workflow)
        }
    }

    // MARK: Wake-ups

    /// One pending wake-up per run: a retry backoff or the run's deadline.
    private func schedule(_ runID: String, at date: Date?) {
        let task: Task<Void, Never>? = date.map { date in
            Task { [weak self] in
                let delay = max(0, date.timeIntervalSinceNow)
                try? await Task.sleep(for: .milliseconds(Int(delay * 1000) + 5))
                guard !Task.isCancelled, let self else { return }
                _ = try? await self.advance(runID)
            }
        }
        let old = wakeups.withLock { w in
            defer { w[runID] = task }
            return w[runID]
        }
        old?.cancel()
    }

    /// Cancels pending wake-ups (at shutdown).
    public func stop() {
        for task in wakeups.withLock({ w in
            defer { w = [:] }; return Array(w.values)
        }) { task.cancel() }
    }
}
