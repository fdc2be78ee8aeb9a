import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexRuntime
import Foundation
import Logging

/// Runs an orchestrator's child jobs through the bus: each child is recorded and published
/// like any job (so the scheduler, safety kernel and placement apply), joins the parent's
/// trace with `parent_job_id` set, and is waited for by its result. A child that outlives its
/// timeout, or whose parent is cancelled, is cancelled too.
///
/// A child's id is the parent's id, the step and the try (`<parent>:<step>@<n>`), so its record
/// in Redis is the orchestrator's progress: when the parent runs again (its worker was lost,
/// docs/architecture.md, "Workers and leases"), a child an earlier run submitted is not
/// submitted again — one that ended is read back, one under way is waited for.
package struct ChildJobs: Sendable {
    let connections: Connections
    let waiter: ResultWaiter
    let logger: Logger

    package init(connections: Connections, waiter: ResultWaiter, logger: Logger) {
        self.connections = connections
        self.waiter = waiter
        self.logger = logger
    }

    /// Children are submitted and cancelled in the parent's worker's name.
    private func lifecycle(_ parent: JobInput) -> JobLifecycle {
        JobLifecycle(connections: connections, senderID: parent.workerID, logger: logger)
    }

    /// A child's outcome when it did not succeed.
    package struct Failure: Error, CustomStringConvertible {
        var step: String
        var childID: String
        var status: Coretex_Agent_V1_JobStatus
        package var message: String
        package var description: String { "step \(step) (job \(childID)) ended \(status.name): \(message)" }
    }

    /// Runs one child to its end and returns its result JSON. Retries (with a new id) after a
    /// failure or timeout, not after a denial or a cancel, which would only repeat. `env`
    /// entries override the parent's (which children otherwise inherit).
    package func run(
        step: String, topic: String, context: JSONValue, parent: JobInput, timeoutSeconds: Int, retries: Int,
        env: [String: String] = [:]
    ) async throws -> (id: String, result: JSONValue?) {
        var attempt = 0
        while true {
            do {
                return try await runOnce(
                    step: step, attempt: attempt + 1, topic: topic, context: context, parent: parent,
                    timeoutSeconds: timeoutSeconds, env: env)
            } catch let failure as Failure where attempt < retries && [.failed, .timeout].contains(failure.status) {
                attempt += 1
                logger.warning("child failed, retrying", metadata: ["step": "\(step)", "error": "\(failure)", "attempt": "\(attempt)"])
                try await Task.sleep(for: .milliseconds(800))
            }
        }
    }

    /// The id of a step's `attempt`-th try under `parent`.
    static func childID(parent: String, step: String, attempt: Int) -> String { "\(parent):\(step)@\(attempt)" }

    private func runOnce(
        step: String, attempt: Int, topic: String, context: JSONValue, parent: JobInput, timeoutSeconds: Int,
        env: [String: String]
    ) async throws -> (id: String, result: JSONValue?) {
        let id = Self.childID(parent: parent.id, step: step, attempt: attempt)
        var request = JobLifecycle.request(id: id, topic: topic, tenant: JobMeta.tenant(of: parent.request))
        request.priority = parent.request.priority
        request.adapterID = parent.request.adapterID
        request.env.merge(parent.request.env) { _, inherited in inherited }
        request.env["step_id"] = step
        request.env.merge(env) { _, new in new }
        request.labels = ["step_id": step]  // bookkeeping, not a placement constraint: names the step in traces
        request.memoryID = request.env["memory_id"] ?? parent.request.memoryID
        request.principalID = parent.request.principalID
        request.parentJobID = parent.id
        request.workflowID = parent.request.workflowID.isEmpty ? parent.id : parent.request.workflowID
        request.budget.deadlineMs = Int64(timeoutSeconds) * 1000
        let traceID = parent.traceID.isEmpty ? parent.id : parent.traceID

        waiter.expect(id)
        defer { waiter.forget(id) }
        let submitted = try await lifecycle(parent).submit(
            request, traceID: traceID, context: String(decoding: try JSONEncoder.sorted.encode(context), as: UTF8.self))
        var ended: Coretex_Agent_V1_JobResult?
        if submitted.applied {
            logger.info("child submitted", metadata: ["parent": "\(parent.id)", "child": "\(id)", "step": "\(step)"])
        } else {
            // An earlier run of the parent submitted it: read its end back, or wait for it.
            ended = try await endOfEarlierChild(id)
            logger.info(
                "child of an earlier run resumed", metadata: ["parent": "\(parent.id)", "child": "\(id)", "ended": "\(ended != nil)"])
        }

        let result: Coretex_Agent_V1_JobResult?
        do {
            if let ended {
                result = ended
            } else {
                result = try await withDeadline(ms: Int64(timeoutSeconds) * 1000) { await waiter.result(for: id) }
            }
        } catch is DeadlineExceeded {
            await cancel(id, reason: "no result within \(timeoutSeconds)s", parent: parent)
            throw Failure(step: step, childID: id, status: .timeout, message: "no result within \(timeoutSeconds)s")
        } catch {
            await cancel(id, reason: "parent \(parent.id) cancelled", parent: parent)
            throw error
        }
        guard let result, !Task.isCancelled else {
            await cancel(id, reason: "parent \(parent.id) cancelled", parent: parent)
            throw CancellationError()
        }
        guard result.status == .succeeded else {
            throw Failure(
                step: step, childID: id, status: result.status,
                message: result.errorMessage.isEmpty ? "no reason given" : result.errorMessage)
        }
        let blob = try await connections.store.blob(
            pointer: result.resultPtr.isEmpty ? JobKeys.pointer(JobKeys.result(id)) : result.resultPtr)
        return (id, blob.flatMap { JSONValue.parse($0) })
    }

    /// How a child that an earlier run submitted ended, as its result would have said; nil while
    /// it is under way.
    private func endOfEarlierChild(_ id: String) async throws -> Coretex_Agent_V1_JobResult? {
        guard let state = try await connections.store.state(id), state.isTerminal else { return nil }
        var result = Coretex_Agent_V1_JobResult()
        result.jobID = id
        result.status = state.status
        result.resultPtr = try await connections.store.meta(id)["result_ptr"] ?? ""
        result.errorMessage = try await connections.store.deadLetter(id)?.reason ?? ""
        return result
    }

    /// Runs in its own task: it must finish even when called because the parent was cancelled.
    private func cancel(_ id: String, reason: String, parent: JobInput) async {
        let (lifecycle, logger) = (lifecycle(parent), logger)
        await Task {
            do {
                try await lifecycle.end(id, .cancelled(reason: reason))
            } catch {
                logger.error("could not cancel child", metadata: ["child": "\(id)", "error": "\(error)"])
            }
        }.value
    }
}
