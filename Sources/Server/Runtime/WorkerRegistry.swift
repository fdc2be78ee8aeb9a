import CoretexCore
import CoretexProtocol
import Foundation
import Synchronization

/// Live workers, from their heartbeats. A worker that has not been heard from for `ttl`
/// (30 s, six missed heartbeats) is dead: it disappears from every snapshot and is swept.
///
/// The scheduler also tells it about its own dispatches, so a burst between two heartbeats
/// spreads over the pool instead of piling onto the worker that looked idle.
package final class WorkerRegistry: Sendable {
    package struct Entry: Sendable {
        package var heartbeat: Coretex_Agent_V1_Heartbeat
        package var seen: Date
    }

    private struct State {
        var workers: [String: Entry] = [:]
        /// Jobs dispatched by this process and not answered yet: job id → worker id.
        var outstanding: [String: String] = [:]
        /// The same, counted per worker (placement reads it for every job).
        var pending: [String: Int] = [:]
        /// When heartbeats last could not arrive (the bus down, this process stalled):
        /// silence since then proves nothing.
        var deaf = Date.distantPast
        var lastSweep: Date?

        mutating func forget(_ jobID: String) -> Bool {
            guard let worker = outstanding.removeValue(forKey: jobID) else { return false }
            let left = (pending[worker] ?? 1) - 1
            pending[worker] = left > 0 ? left : nil
            return true
        }

        func snapshot(at now: Date, ttl: TimeInterval) -> [WorkerSnapshot] {
            workers.values.filter { now.timeIntervalSince($0.seen) <= ttl }.map { e in
                let hb = e.heartbeat
                return WorkerSnapshot(
                    workerID: hb.workerID, pool: hb.pool,
                    activeJobs: max(Int(hb.activeJobs), pending[hb.workerID] ?? 0),
                    maxParallelJobs: Int(hb.maxParallelJobs), cpuLoad: Double(hb.cpuLoad),
                    gpuUtilization: Double(hb.gpuUtilization), labels: hb.labels)
            }
        }

        mutating func dispatched(_ jobID: String, to workerID: String) {
            _ = forget(jobID)
            outstanding[jobID] = workerID
            pending[workerID, default: 0] += 1
        }
    }

    private let state = Mutex(State())
    package let ttl: TimeInterval

    package init(ttl: TimeInterval = 30) { self.ttl = ttl }

    package func record(_ heartbeat: Coretex_Agent_V1_Heartbeat, at now: Date = Date()) {
        guard !heartbeat.workerID.isEmpty else { return }
        state.withLock { $0.workers[heartbeat.workerID] = Entry(heartbeat: heartbeat, seen: now) }
    }

    /// Live entries, sorted by worker id.
    package func live(at now: Date = Date()) -> [Entry] {
        state.withLock { s in
            s.workers.values.filter { now.timeIntervalSince($0.seen) <= ttl }
        }.sorted { $0.heartbeat.workerID < $1.heartbeat.workerID }
    }

    /// What placement needs: live workers with their load, counting this process's own
    /// unanswered dispatches when they exceed what the last heartbeat said.
    package func snapshot(at now: Date = Date()) -> [WorkerSnapshot] {
        state.withLock { $0.snapshot(at: now, ttl: ttl) }
    }

    /// Chooses a worker for the job from a snapshot and counts the job against it in one
    /// step, so placements running side by side see each other's choices (a burst spreads
    /// over the pool instead of going to the worker every one of them saw idle). Nil when
    /// this process has the job under way already (a duplicate submission): the reservation
    /// it has stands.
    package func reserve<Failure: Error>(
        _ jobID: String, at now: Date = Date(),
        choose: ([WorkerSnapshot]) -> Result<String, Failure>
    ) -> Result<String, Failure>? {
        state.withLock { s in
            guard s.outstanding[jobID] == nil else { return nil }
            let choice = choose(s.snapshot(at: now, ttl: ttl))
            if case .success(let workerID) = choice { s.dispatched(jobID, to: workerID) }
            return choice
        }
    }

    package func dispatched(_ jobID: String, to workerID: String) {
        state.withLock { $0.dispatched(jobID, to: workerID) }
    }

    /// Whether the job is dispatched by this process and not answered or swept yet.
    package func isOutstanding(_ jobID: String) -> Bool {
        state.withLock { $0.outstanding[jobID] != nil }
    }

    /// A job was answered (or given up on); returns whether this process had dispatched it.
    @discardableResult
    package func finished(_ jobID: String) -> Bool {
        state.withLock { $0.forget(jobID) }
    }

    /// Drops dead workers and returns the dispatches still outstanding on them (job id →
    /// worker id): jobs nobody will answer. Silence proves nothing while heartbeats could not
    /// arrive — the bus down, or this process stalled (a sweep more than `stall` after the
    /// previous one; a wall-clock jump looks the same) — nor for `ttl` after: then nothing is
    /// dropped (snapshots still leave out workers not heard from).
    @discardableResult
    package func sweep(at now: Date = Date(), busConnected: Bool = true) -> [String: String] {
        state.withLock { s in
            if !busConnected || s.lastSweep.map({ now.timeIntervalSince($0) > Self.stall }) == true { s.deaf = now }
            s.lastSweep = now
            guard now.timeIntervalSince(s.deaf) >= ttl else { return [:] }
            s.workers = s.workers.filter { now.timeIntervalSince($0.value.seen) <= ttl }
            let lost = s.outstanding.filter { s.workers[$0.value] == nil }
            for job in lost.keys { _ = s.forget(job) }
            return lost
        }
    }

    /// The scheduler sweeps once a second; a gap this long means it did not run.
    static let stall: TimeInterval = 3

    package var count: Int { live().count }
}
