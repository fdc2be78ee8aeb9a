import CoretexCore
import CoretexProtocol
import Foundation
import Synchronization

/// Live workers, from their heartbeats (docs/architecture.md, "Workers and leases"). A worker
/// not heard from for its time to live is dead: it disappears from every snapshot and is
/// swept. The time to live is five of the worker's own heartbeat intervals (at least 5 s) when
/// its heartbeat says how often it beats, else `ttl` (`WORKER_TTL_MS`, 30 s).
///
/// Each heartbeat of a Coretex worker carries its process's lease. A new lease under a known
/// id means the process that held the old one is gone — killed and started again within its
/// time to live — so what was dispatched to the old lease is lost as surely as if the worker
/// had gone silent.
///
/// The scheduler also tells it about its own dispatches, so a burst between two heartbeats
/// spreads over the pool instead of piling onto the worker that looked idle.
package final class WorkerRegistry: Sendable {
    package struct Entry: Sendable {
        package var heartbeat: Coretex_Agent_V1_Heartbeat
        package var seen: Date
        package var ttl: TimeInterval
        func isLive(at now: Date) -> Bool { now.timeIntervalSince(seen) <= ttl }
    }

    /// A job this process dispatched and has not heard the end of.
    package struct Dispatch: Sendable {
        package var worker: String
        /// The worker process's lease when the job was sent ("" for a worker without leases).
        package var lease: String
        /// The packet it was dispatched in, so it can run again elsewhere if the worker is lost.
        package var packet: Coretex_Agent_V1_BusPacket?
        package init(worker: String, lease: String = "", packet: Coretex_Agent_V1_BusPacket? = nil) {
            self.worker = worker
            self.lease = lease
            self.packet = packet
        }
    }

    /// A dispatch whose worker is gone, and how the registry knows.
    package struct Lost: Sendable {
        package var jobID: String
        package var dispatch: Dispatch
        package var restarted: Bool
        package init(jobID: String, dispatch: Dispatch, restarted: Bool) {
            self.jobID = jobID
            self.dispatch = dispatch
            self.restarted = restarted
        }
    }

    private struct State {
        var workers: [String: Entry] = [:]
        /// Jobs dispatched by this process and not answered yet, by job id.
        var outstanding: [String: Dispatch] = [:]
        /// The same, counted per worker (placement reads it for every job).
        var pending: [String: Int] = [:]
        /// When heartbeats last could not arrive (the bus down, this process stalled):
        /// silence since then proves nothing.
        var deaf = Date.distantPast
        var lastSweep: Date?

        mutating func forget(_ jobID: String) -> Dispatch? {
            guard let dispatch = outstanding.removeValue(forKey: jobID) else { return nil }
            let left = (pending[dispatch.worker] ?? 1) - 1
            pending[dispatch.worker] = left > 0 ? left : nil
            return dispatch
        }

        func snapshot(at now: Date) -> [WorkerSnapshot] {
            workers.values.filter { $0.isLive(at: now) }.map { e in
                let hb = e.heartbeat
                return WorkerSnapshot(
                    workerID: hb.workerID, pool: hb.pool,
                    activeJobs: max(Int(hb.activeJobs), pending[hb.workerID] ?? 0),
                    maxParallelJobs: Int(hb.maxParallelJobs), cpuLoad: Double(hb.cpuLoad),
                    gpuUtilization: Double(hb.gpuUtilization), labels: hb.labels)
            }
        }

        mutating func dispatched(_ jobID: String, _ dispatch: Dispatch) {
            _ = forget(jobID)
            var dispatch = dispatch
            if dispatch.lease.isEmpty { dispatch.lease = workers[dispatch.worker]?.heartbeat.lease ?? "" }
            outstanding[jobID] = dispatch
            pending[dispatch.worker, default: 0] += 1
        }
    }

    private let state = Mutex(State())
    package let ttl: TimeInterval

    package init(ttl: TimeInterval = 30) { self.ttl = ttl }

    /// How long a worker that heartbeats every `intervalMs` may stay silent (nil: it does not say).
    static func timeToLive(intervalMs: Int32, fallback: TimeInterval) -> TimeInterval {
        guard intervalMs > 0 else { return fallback }
        return min(fallback, max(5, 5 * Double(intervalMs) / 1000))
    }

    package func record(_ heartbeat: Coretex_Agent_V1_Heartbeat, at now: Date = Date()) {
        let id = heartbeat.workerID
        guard !id.isEmpty else { return }
        let ttl = Self.timeToLive(intervalMs: heartbeat.heartbeatIntervalMs, fallback: self.ttl)
        state.withLock { s in s.workers[id] = Entry(heartbeat: heartbeat, seen: now, ttl: ttl) }
    }

    /// Live entries, sorted by worker id.
    package func live(at now: Date = Date()) -> [Entry] {
        state.withLock { s in s.workers.values.filter { $0.isLive(at: now) } }
            .sorted { $0.heartbeat.workerID < $1.heartbeat.workerID }
    }

    /// What placement needs: live workers with their load, counting this process's own
    /// unanswered dispatches when they exceed what the last heartbeat said.
    package func snapshot(at now: Date = Date()) -> [WorkerSnapshot] {
        state.withLock { $0.snapshot(at: now) }
    }

    /// Chooses a worker for the job from a snapshot and counts the job against it in one
    /// step, so placements running side by side see each other's choices (a burst spreads
    /// over the pool instead of going to the worker every one of them saw idle). Nil when
    /// this process has the job under way already (a duplicate submission): the reservation
    /// it has stands. The reservation records the chosen worker's lease and `packet`.
    package func reserve<Failure: Error>(
        _ jobID: String, packet: Coretex_Agent_V1_BusPacket? = nil, at now: Date = Date(),
        choose: ([WorkerSnapshot]) -> Result<String, Failure>
    ) -> Result<String, Failure>? {
        state.withLock { s in
            guard s.outstanding[jobID] == nil else { return nil }
            let choice = choose(s.snapshot(at: now))
            if case .success(let workerID) = choice { s.dispatched(jobID, Dispatch(worker: workerID, packet: packet)) }
            return choice
        }
    }

    package func dispatched(_ jobID: String, to workerID: String) {
        state.withLock { $0.dispatched(jobID, Dispatch(worker: workerID)) }
    }

    /// Puts back a dispatch the sweep reported (the job's ending could not be recorded).
    package func restore(_ lost: Lost) {
        state.withLock { $0.dispatched(lost.jobID, lost.dispatch) }
    }

    /// Takes on a dispatch this process did not make (one recorded in the store by a
    /// scheduler that has since restarted), unless it has the job under way already; from
    /// then on its worker's loss is found like any other. Returns whether it was taken on.
    @discardableResult
    package func adopt(_ jobID: String, _ dispatch: Dispatch) -> Bool {
        state.withLock { s in
            guard s.outstanding[jobID] == nil else { return false }
            s.outstanding[jobID] = dispatch
            s.pending[dispatch.worker, default: 0] += 1
            return true
        }
    }

    /// How long `worker` may stay silent before it counts as lost.
    package func ttl(of worker: String) -> TimeInterval {
        state.withLock { $0.workers[worker]?.ttl } ?? ttl
    }

    /// The dispatch of a job this process sent and has not heard the end of.
    package func dispatch(of jobID: String) -> Dispatch? {
        state.withLock { $0.outstanding[jobID] }
    }

    /// Whether the job is dispatched by this process and not answered or swept yet.
    package func isOutstanding(_ jobID: String) -> Bool {
        state.withLock { $0.outstanding[jobID] != nil }
    }

    /// A job was answered (or given up on); returns whether this process had dispatched it.
    @discardableResult
    package func finished(_ jobID: String) -> Bool {
        state.withLock { $0.forget(jobID) != nil }
    }

    /// Drops dead workers and returns the dispatches still outstanding on them, and those
    /// sent to a lease its worker no longer holds (a heartbeat under the same id with another
    /// lease: the process was started again): jobs nobody will answer.
    /// Silence proves nothing while heartbeats could not arrive — the bus down, or this
    /// process stalled (a sweep more than `stall` after the previous one; a wall-clock jump
    /// looks the same) — nor for a time to live after: then no silent worker is dropped
    /// (snapshots still leave out workers not heard from). A replaced lease is proof at any time.
    @discardableResult
    package func sweep(at now: Date = Date(), busConnected: Bool = true) -> [Lost] {
        state.withLock { s in
            var lost: [Lost] = []
            let replaced = s.outstanding.filter { _, d in
                guard !d.lease.isEmpty, let now = s.workers[d.worker]?.heartbeat.lease, !now.isEmpty else { return false }
                return now != d.lease
            }
            for jobID in replaced.keys.sorted() {
                if let dispatch = s.forget(jobID) { lost.append(Lost(jobID: jobID, dispatch: dispatch, restarted: true)) }
            }
            if !busConnected || s.lastSweep.map({ now.timeIntervalSince($0) > Self.stall }) == true { s.deaf = now }
            s.lastSweep = now
            let quiet = now.timeIntervalSince(s.deaf)
            s.workers = s.workers.filter { $0.value.isLive(at: now) || quiet < $0.value.ttl }
            let silent = s.outstanding.filter { s.workers[$0.value.worker] == nil }
            for jobID in silent.keys.sorted() {
                if let dispatch = s.forget(jobID) { lost.append(Lost(jobID: jobID, dispatch: dispatch, restarted: false)) }
            }
            return lost
        }
    }

    /// The scheduler sweeps once a second; a gap this long means it did not run.
    static let stall: TimeInterval = 3

    package var count: Int { live().count }
}
