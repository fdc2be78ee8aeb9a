import CoretexProtocol
import CoretexSafety
import Foundation
import Synchronization

/// Jobs that passed the safety check but found no worker: they wait here (bounded in time and
/// number) for a heartbeat or a finished job to free a slot, instead of failing at once.
final class WaitingRoom: Sendable {
    struct Job: Sendable {
        var packet: Coretex_Agent_V1_BusPacket
        var verdict: SafetyVerdict
        var since: Date
        var request: Coretex_Agent_V1_JobRequest { packet.jobRequest }
    }

    private let jobs = Mutex<[Job]>([])
    let capacity: Int
    let maxWait: TimeInterval

    init(capacity: Int = 10_000, maxWait: TimeInterval) {
        self.capacity = capacity
        self.maxWait = maxWait
    }

    /// False when the room is full (the job should fail now).
    func add(_ job: Job) -> Bool {
        jobs.withLock { jobs in
            guard jobs.count < capacity else { return false }
            jobs.append(job)
            return true
        }
    }

    /// Takes every waiting job out, oldest first; the caller places or re-adds each.
    func takeAll() -> [Job] {
        jobs.withLock { jobs in
            defer { jobs.removeAll() }; return jobs
        }
    }

    /// Puts jobs back in front (they keep their place in line).
    func putBack(_ returned: [Job]) {
        guard !returned.isEmpty else { return }
        jobs.withLock { $0.insert(contentsOf: returned, at: 0) }
    }

    func isExpired(_ job: Job, now: Date = Date()) -> Bool { now.timeIntervalSince(job.since) >= maxWait }

    var count: Int { jobs.withLock { $0.count } }
}
