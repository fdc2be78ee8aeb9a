import CoretexCore
import CoretexInfra
import CoretexProtocol
import Logging

/// Jobs still PENDING that no scheduler may have received: core NATS keeps nothing for a
/// subject nobody listens to, so a job submitted while no scheduler ran (or whose scheduler
/// died holding it) is published again from the packet kept at submission (docs/architecture.md,
/// "How a job ends"). A scheduler does this once as it starts, so such jobs start as soon as one
/// is up; the reconciler does it on every scan for jobs past the placement wait, as a last
/// resort. A copy of a job that is under way after all changes nothing: a scheduler only
/// dispatches, denies or fails a job that is still PENDING.
struct StrandedJobs {
    let bus: any MessageBus
    let store: any JobRecords
    let logger: Logger
    let batch = 200

    /// Publishes again, oldest first, the jobs that entered PENDING at or before `cutoff`
    /// (unix seconds); returns how many.
    @discardableResult
    func publishAgain(enteredBefore cutoff: Int) async -> Int {
        var offset = 0, published = 0
        for _ in 0..<100 {
            guard let ids = try? await store.ids(in: .pending, enteredBefore: cutoff, limit: batch, offset: offset),
                !ids.isEmpty, let packets = try? await store.submissions(ids)
            else { break }
            offset += ids.count
            for id in ids {
                guard let bytes = packets[id] else { continue }  // not submitted through JobLifecycle, or expired
                do {
                    try bus.publish(Subjects.submit, bytes)
                    published += 1
                } catch {
                    logger.warning("could not publish a job again", metadata: ["job": "\(id)", "error": "\(error)"])
                    return published
                }
            }
        }
        return published
    }
}
