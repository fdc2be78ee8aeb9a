import CoretexCore
import CoretexInfra
import CoretexProtocol
import Foundation
import Logging

/// Runs an orchestrator's child jobs through the bus: each child is recorded and published
/// like any job (so the scheduler, safety kernel and placement apply), joins the parent's
/// trace with `parent_job_id` set, and is waited for by its result. A child that outlives its
/// timeout, or whose parent is cancelled, is cancelled too.
struct ChildJobs: Sendable {
    let connections: Connections
    let waiter: ResultWaiter
    let logger: Logger

    /// A child's outcome when it did not succeed.
    struct Failure: Error, CustomStringConvertible {
        var step: String
        var childID: String
        var status: Coretex_Agent_V1_JobStatus
        var message: String
        var description: String { "step \(step) (job \(childID)) ended \(status.name): \(message)" }
    }

    /// Runs one child to its end and returns its result JSON. Retries (with a new id) after a
    /// failure or timeout, not after a denial or a cancel, which would only repeat. `env`
    /// entries override the parent's (which children otherwise inherit).
    func run(step: String, topic: String, context: JSONValue, parent: JobInput, timeoutSeconds: Int, retries: Int,
             env: [String: String] = [:]) async throws -> (id: String, result: JSONValue?)
    {
        var attempt = 0
        while true {
            do {
                return try await runOnce(step: step, topic: topic, context: context, parent: parent, timeoutSeconds: timeoutSeconds,
                                         env: env)
            } catch let failure as Failure where attempt < retries && [.failed, .timeout].contains(failure.status) {
                attempt += 1
                logger.warning("child failed, retrying", metadata: ["step": "\(step)", "error": "\(failure)", "attempt": "\(attempt)"])
                try await Task.sleep(for: .milliseconds(800))
            }
        }
    }

    private func runOnce(step: String, topic: String, context: JSONValue, parent: JobInput, timeoutSeconds: Int,
                         env: [String: String]) async throws -> (id: String, result: JSONValue?)
    {
        let id = UUID().uuidString.lowercased()
        var request = Coretex_Agent_V1_JobRequest()
        request.jobID = id
        request.topic = topic
        request.priority = parent.request.priority
        request.contextPtr = JobKeys.pointer(JobKeys.context(id))
        request.adapterID = parent.request.adapterID
        request.env = parent.request.env
        request.env["step_id"] = step
        request.env.merge(env) { _, new in new }
        request.labels = ["step_id": step]  // bookkeeping, not a placement constraint: names the step in traces
        request.memoryID = request.env["memory_id"] ?? parent.request.memoryID
        request.tenantID = parent.request.tenantID
        request.principalID = parent.request.principalID
        request.parentJobID = parent.id
        request.workflowID = parent.request.workflowID.isEmpty ? parent.id : parent.request.workflowID
        request.budget.deadlineMs = Int64(timeoutSeconds) * 1000
        let traceID = parent.traceID.isEmpty ? parent.id : parent.traceID

        waiter.expect(id)
        defer { waiter.forget(id) }
        let submission = Submission(request, traceID: traceID, senderID: parent.workerID)
        try await submission.record(in: connections.store,
                                    context: String(decoding: try JSONEncoder.sorted.encode(context), as: UTF8.self))
        try await submission.publish(on: connections.bus, store: connections.store)
        logger.info("child submitted", metadata: ["parent": "\(parent.id)", "child": "\(id)", "step": "\(step)"])

        let result: Coretex_Agent_V1_JobResult?
        do {
            result = try await withDeadline(ms: Int64(timeoutSeconds) * 1000) { await waiter.result(for: id) }
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
            throw Failure(step: step, childID: id, status: result.status,
                          message: result.errorMessage.isEmpty ? "no reason given" : result.errorMessage)
        }
        let blob = try await connections.store.blob(pointer: result.resultPtr.isEmpty ? JobKeys.pointer(JobKeys.result(id)) : result.resultPtr)
        return (id, blob.flatMap { JSONValue.parse($0) })
    }

    /// Runs in its own task: it must finish even when called because the parent was cancelled.
    private func cancel(_ id: String, reason: String, parent: JobInput) async {
        let (store, bus, logger) = (connections.store, connections.bus, logger)
        await Task {
            do {
                _ = try await JobCancellation.cancel(id, reason: reason, store: store, bus: bus, sender: parent.workerID,
                                                     logger: logger)
            } catch {
                logger.error("could not cancel child", metadata: ["child": "\(id)", "error": "\(error)"])
            }
        }.value
    }
}
