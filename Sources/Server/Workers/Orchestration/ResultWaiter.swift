import CoretexInfra
import CoretexProtocol
import Logging
import Synchronization

/// Lets orchestrators wait for their children's results as they are published on
/// `sys.job.result`, instead of polling job state. One subscription per
/// process; `expect` before publishing the child, so a fast result cannot be missed.
package final class ResultWaiter: Sendable {
    private struct Slot {
        var result: Coretex_Agent_V1_JobResult?
        var continuation: CheckedContinuation<Coretex_Agent_V1_JobResult?, Never>?
    }

    private let slots = Mutex<[String: Slot]>([:])

    /// Subscribes now and delivers results until the bus closes. Only results for jobs it
    /// waits for are decoded (the id is peeked on the bus's thread): an orchestrator costs
    /// nearly nothing per job that is not its own.
    package init(bus: any MessageBus, logger: Logger) throws {
        let results = try bus.packets(
            Subjects.result, logger: logger,
            wanted: { [weak self] bytes in
                self?.slots.withLock { slots in
                    !slots.isEmpty && BusPacketPeek.jobResultID(bytes).map { slots[$0] != nil } == true
                } ?? false
            })
        Task { [weak self] in
            for await (_, packet) in results {
                guard let self else { return }
                if case .jobResult(let result)? = packet.payload { self.deliver(result) }
            }
        }
    }

    func expect(_ id: String) {
        slots.withLock { $0[id] = $0[id] ?? Slot() }
    }

    func forget(_ id: String) {
        let waiting = slots.withLock { $0.removeValue(forKey: id)?.continuation }
        waiting?.resume(returning: nil)
    }

    /// The first result published for `id` (which must be expected); nil when the task is cancelled.
    func result(for id: String) async -> Coretex_Agent_V1_JobResult? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready: Coretex_Agent_V1_JobResult?? = slots.withLock { slots in
                    guard var slot = slots[id] else { return .some(nil) }
                    if let result = slot.result { return .some(result) }
                    if Task.isCancelled { return .some(nil) }
                    slot.continuation = continuation
                    slots[id] = slot
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiting = slots.withLock { slots -> CheckedContinuation<Coretex_Agent_V1_JobResult?, Never>? in
                defer { slots[id]?.continuation = nil }
                return slots[id]?.continuation
            }
            waiting?.resume(returning: nil)
        }
    }

    private func deliver(_ result: Coretex_Agent_V1_JobResult) {
        let waiting = slots.withLock { slots -> CheckedContinuation<Coretex_Agent_V1_JobResult?, Never>? in
            guard var slot = slots[result.jobID], slot.result == nil else { return nil }
            slot.result = result
            let continuation = slot.continuation
            slot.continuation = nil
            slots[result.jobID] = slot
            return continuation
        }
        waiting?.resume(returning: result)
    }
}
