import CoretexCore
import CoretexProtocol
import Foundation

/// What the roles need of the job store. `JobStore` keeps jobs in Redis (docs/protocol.md,
/// "Redis layout"); unit tests of a role's logic use an in-memory store (Tests/TestSupport)
/// that applies the same transition rules.
public protocol JobRecords: Sendable {
    /// Applies `change` atomically; what it records happens only when it applies. Also
    /// returns the job's topic when it applied.
    func applyReturningTopic(_ id: String, _ change: StateChange, now: Date) async throws
        -> (outcome: TransitionOutcome, topic: String?)
    /// `apply`, also reading the blob behind `pointer` (nil when there is none) at once.
    func apply(_ id: String, _ change: StateChange, reading pointer: String, now: Date) async throws
        -> (outcome: TransitionOutcome, blob: [UInt8]?)
    /// Creates a job in PENDING with its meta, and optionally its context and its submitted
    /// packet; `.rejected(current:)` when the id exists (a duplicate never resets a job).
    func create(
        _ id: String, meta: [(String, String)], traceID: String?, deadlineUnix: Int?,
        context: String?, submission: [UInt8]?, now: Date
    ) async throws -> TransitionOutcome
    /// The packets these jobs were submitted in, where still kept (until the job ends).
    func submissions(_ ids: [String]) async throws -> [String: [UInt8]]

    func context(_ id: String) async throws -> String?
    func putContext(_ id: String, _ json: String) async throws
    func putResult(_ id: String, _ json: String) async throws
    /// The bytes behind a `redis://` pointer, or nil.
    func blob(pointer: String) async throws -> [UInt8]?

    func state(_ id: String) async throws -> JobState?
    func meta(_ id: String) async throws -> [String: String]
    /// List records of the given jobs, in the given order; unknown ones are left out.
    func records(_ ids: [String]) async throws -> [JobRecord]
    func detail(_ id: String) async throws -> JobDetail?
    func traceMembers(_ traceID: String) async throws -> [String]
    /// Up to `limit` ids of the recent list, newest first, whose score (µs) is ≤ `maxScore`.
    func recent(maxScore: Int64?, limit: Int) async throws -> [(id: String, score: Int64)]
    /// Ids that entered `state` at or before `cutoff` (unix seconds), oldest first.
    func ids(in state: JobState, enteredBefore cutoff: Int, limit: Int, offset: Int) async throws -> [String]
    func idsPastDeadline(now: Int, limit: Int) async throws -> [String]
    /// Removes an id from a state index (or, with nil, the deadline index) it no longer belongs in.
    func unindex(_ id: String, from state: JobState?) async throws

    func deadLetters(limit: Int) async throws -> [DLQEntry]
    func deadLetter(_ id: String) async throws -> DLQEntry?
    /// Deletes an entry; true when it existed.
    func deleteDeadLetter(_ id: String) async throws -> Bool
}

extension JobRecords {
    /// Applies `change` atomically and reports what happened.
    @discardableResult
    public func apply(_ id: String, _ change: StateChange, now: Date = Date()) async throws -> TransitionOutcome {
        try await applyReturningTopic(id, change, now: now).outcome
    }

    public func applyReturningTopic(_ id: String, _ change: StateChange) async throws
        -> (outcome: TransitionOutcome, topic: String?)
    {
        try await applyReturningTopic(id, change, now: Date())
    }

    public func apply(_ id: String, _ change: StateChange, reading pointer: String) async throws
        -> (outcome: TransitionOutcome, blob: [UInt8]?)
    {
        try await apply(id, change, reading: pointer, now: Date())
    }

    @discardableResult
    public func create(
        _ id: String, meta: [(String, String)], traceID: String?, deadlineUnix: Int?, context: String?,
        submission: [UInt8]? = nil
    ) async throws -> TransitionOutcome {
        try await create(
            id, meta: meta, traceID: traceID, deadlineUnix: deadlineUnix, context: context,
            submission: submission, now: Date())
    }

    public func ids(in state: JobState, enteredBefore cutoff: Int, limit: Int) async throws -> [String] {
        try await ids(in: state, enteredBefore: cutoff, limit: limit, offset: 0)
    }
}

/// How a job's stored fields read as API records, for every store.
public enum JobRecordReading {
    /// The meta fields a list record shows, in the order `record(id:values:)` reads them.
    public static let recordFields = [
        "state", "updated_at", "trace_id", "topic", "tenant", "team", "principal",
        "safety_decision", "safety_reason", "deadline_unix", "worker_id", "created_at", "labels", "parent_job_id",
    ]

    /// A list record from the values of `recordFields` (nil or empty when unset); nil when
    /// the job has no state (its meta expired).
    public static func record(id: String, values: [String?]) -> JobRecord? {
        let v = values.map { $0.flatMap { $0.isEmpty ? nil : $0 } }
        guard v.count == recordFields.count, let state = v[0] else { return nil }
        var r = JobRecord(id: id, updatedAt: Int(v[1] ?? "") ?? 0, state: state)
        r.traceID = v[2]
        r.topic = v[3]
        r.tenant = v[4]
        r.team = v[5]
        r.principal = v[6]
        r.safetyDecision = v[7]
        r.safetyReason = v[8]
        r.deadlineUnix = v[9].flatMap { Int($0) }
        r.workerID = v[10]
        r.createdAt = v[11].flatMap { Int($0) }
        r.labels = labels(v[12])
        r.parentJobID = v[13]
        return r
    }

    /// A job's detail from its meta hash and the rest of what is stored about it; nil when
    /// the job has no state.
    public static func detail(
        id: String, meta: [String: String], legacyState: String?, legacyResultPtr: String?, context: [UInt8]?,
        deadLetter: [UInt8]?, events: [String]
    ) -> JobDetail? {
        guard let state = meta["state"] ?? legacyState else { return nil }
        func present(_ key: String) -> String? { meta[key].flatMap { $0.isEmpty ? nil : $0 } }
        var d = JobDetail(id: id, state: state)
        d.traceID = meta["trace_id"] ?? ""
        d.topic = meta["topic"] ?? ""
        d.tenant = meta["tenant"] ?? ""
        d.safetyDecision = meta["safety_decision"] ?? ""
        d.safetyReason = meta["safety_reason"] ?? ""
        d.resultPtr = meta["result_ptr"] ?? legacyResultPtr ?? ""
        d.context = context.flatMap { JSONValue.parse($0) }
        d.team = present("team")
        d.principal = present("principal")
        d.memoryID = present("memory_id")
        d.workerID = present("worker_id")
        d.labels = labels(meta["labels"])
        d.updatedAt = meta["updated_at"].flatMap { Int($0) }
        d.deadlineUnix = meta["deadline_unix"].flatMap { Int($0) }
        d.parentJobID = present("parent_job_id")
        if let entry = deadLetter.flatMap({ try? JSONDecoder().decode(DLQEntry.self, from: Data($0)) }) {
            d.errorStatus = entry.status
            if let reason = entry.reason?.trimmingCharacters(in: .whitespacesAndNewlines), !reason.isEmpty {
                d.errorMessage = reason
            }
        }
        d.events = events.compactMap { text in
            let parts = text.split(separator: "|", maxSplits: 1)
            guard parts.count == 2, let at = Int(parts[0]) else { return nil }
            return JobEvent(at: at, state: String(parts[1]))
        }
        return d
    }

    static func labels(_ json: String?) -> [String: String]? {
        json.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }
    }
}
