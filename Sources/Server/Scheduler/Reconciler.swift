import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexRuntime
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Times out jobs that are stuck: DISPATCHED but never started, RUNNING for too long, past
/// their deadline, or PENDING long after any scheduler should have placed them; before that,
/// publishes again the jobs still PENDING that no scheduler seems to have received.
///
/// No timeout is silent: each one gets a TIMEOUT result event, a dead letter,
/// a cancel to the worker that may still be running it, and a metric. Replicas take turns
/// through a Redis lock that only its owner releases.
public final class Reconciler: Service, Sendable {
    static let senderID = "coretex-reconciler"

    let connections: Connections
    let lifecycle: JobLifecycle
    let timeouts: TimeoutConfig
    let logger: Logger
    let batch = 200
    /// How long past the placement wait a job still PENDING counts as received by no
    /// scheduler: a scheduler places, denies or fails what it receives within the placement
    /// wait, once its start-up wait for the safety kernel (`SAFETY_KERNEL_WAIT_SECONDS`) is
    /// over; 15 s by default (a 10 s wait and a margin).
    let claimMargin: Int

    public init(connections: Connections, timeouts: TimeoutConfig, logger: Logger, claimMargin: Int = 15) {
        self.connections = connections
        self.lifecycle = JobLifecycle(connections: connections, senderID: Self.senderID, logger: logger)
        self.timeouts = timeouts
        self.logger = logger
        self.claimMargin = claimMargin
    }

    public func run() async throws {
        while await pause(.seconds(timeouts.scanIntervalSeconds)) {
            await scanOnce()
        }
    }

    /// One pass, if this replica gets the lock. Returns how many jobs it timed out.
    @discardableResult
    public func scanOnce(now: Date = Date()) async -> Int {
        let lock = RedisLock(redis: connections.redis, key: JobKeys.reconcilerLock, ttl: 2 * timeouts.scanIntervalSeconds)
        do {
            guard try await lock.acquire() else { return 0 }
        } catch {
            logger.warning("reconciler lock unavailable", metadata: ["error": "\(error)"])
            return 0
        }
        let t = Int(now.timeIntervalSince1970)
        var total = 0
        total += await sweep(
            .dispatched, before: t - timeouts.dispatchTimeoutSeconds,
            reason: "not started within \(timeouts.dispatchTimeoutSeconds) s of dispatch")
        total += await sweep(
            .running, before: t - timeouts.runningTimeoutSeconds,
            reason: "running for more than \(timeouts.runningTimeoutSeconds) s")
        let pendingLimit = timeouts.placementWaitSeconds + timeouts.dispatchTimeoutSeconds
        total += await sweep(.pending, before: t - pendingLimit, reason: "not scheduled within \(pendingLimit) s")
        total += await sweepDeadlines(now: t)
        await resubmitUnclaimed(before: t - timeouts.placementWaitSeconds - claimMargin)
        try? await lock.release()
        return total
    }

    /// Publishes again the jobs still PENDING past the placement wait and its margin: no
    /// scheduler received them (`StrandedJobs`). One log line and one counter increment per scan.
    private func resubmitUnclaimed(before cutoff: Int) async {
        let stranded = StrandedJobs(bus: connections.bus, store: connections.store, logger: logger)
        let published = await stranded.publishAgain(enteredBefore: cutoff)
        guard published > 0 else { return }
        logger.info("jobs published again: no scheduler took them", metadata: ["jobs": "\(published)"])
        Counter(label: "coretex_reconciler_resubmitted_total").increment(by: Int64(published))
    }

    private func sweep(_ state: JobState, before cutoff: Int, reason: String) async -> Int {
        var done = 0
        for _ in 0..<100 {
            guard let ids = try? await connections.store.ids(in: state, enteredBefore: cutoff, limit: batch),
                !ids.isEmpty
            else { break }
            for id in ids {
                if await timeOut(id, from: [state], reason: reason) {
                    done += 1
                } else {
                    // Stale entry: the job moved on or its meta expired.
                    try? await connections.store.unindex(id, from: state)
                }
            }
        }
        return done
    }

    private func sweepDeadlines(now: Int) async -> Int {
        var done = 0
        for _ in 0..<100 {
            guard let ids = try? await connections.store.idsPastDeadline(now: now, limit: batch), !ids.isEmpty else { break }
            for id in ids {
                if await timeOut(id, from: [.pending, .scheduled, .dispatched, .running], reason: "deadline exceeded") {
                    done += 1
                } else {
                    try? await connections.store.unindex(id, from: nil)
                }
            }
        }
        return done
    }

    private func timeOut(_ id: String, from states: [JobState], reason: String) async -> Bool {
        guard let ended = try? await lifecycle.end(id, .timedOut(reason: reason), from: states), ended.applied else {
            return false
        }
        Counter(label: "coretex_reconciler_timeouts_total", dimensions: [("topic", ended.topic)]).increment()
        return true
    }
}
