import CoretexCore
import CoretexInfra
import CoretexProtocol
import Foundation
import Synchronization

/// A job store in memory, for unit tests of a role's logic. It applies the rules of the
/// transition script (docs/protocol.md, "Redis layout"): the transition table, first
/// terminal state wins, what a change records happens only when it applies, the submitted
/// packet goes when the job leaves PENDING, the dead letter carries the job's topic, a
/// fallback result never replaces one a worker wrote. It keeps no TTLs and trims nothing.
public final class InMemoryJobStore: JobRecords {
    struct State {
        var meta: [String: [String: String]] = [:]
        var events: [String: [String]] = [:]
        var blobs: [String: [UInt8]] = [:]
        var submissions: [String: [UInt8]] = [:]
        var indexes: [JobState: [String: Int]] = [:]
        var deadlines: [String: Int] = [:]
        var recent: [String: Int64] = [:]
        var traces: [String: Set<String>] = [:]
        var deadLetters: [String: (entry: DLQEntry, at: Int)] = [:]
        var lastScore: Int64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Every state change that applied, in order: (job, the state it reached).
    public var appliedChanges: [(String, JobState)] { changes.withLock { $0 } }
    private let changes = Mutex<[(String, JobState)]>([])

    public func applyReturningTopic(_ id: String, _ change: StateChange, now: Date) async throws
        -> (outcome: TransitionOutcome, topic: String?)
    {
        let result = state.withLock { Self.transition(&$0, id, change, now: now) }
        if result.outcome.applied { changes.withLock { $0.append((id, change.target)) } }
        return result
    }

    public func apply(_ id: String, _ change: StateChange, reading pointer: String, now: Date) async throws
        -> (outcome: TransitionOutcome, blob: [UInt8]?)
    {
        let outcome = try await applyReturningTopic(id, change, now: now).outcome
        return (outcome, try await blob(pointer: pointer))
    }

    public func create(
        _ id: String, meta: [(String, String)], traceID: String?, deadlineUnix: Int?, context: String?,
        submission: [UInt8]?, now: Date
    ) async throws -> TransitionOutcome {
        var change = StateChange(to: .pending, from: [nil])
        change.fields = meta
        change.traceID = traceID
        change.deadlineUnix = deadlineUnix
        state.withLock { s in
            if let context { s.blobs[JobKeys.context(id)] = Array(context.utf8) }
            if let submission, s.submissions[id] == nil { s.submissions[id] = submission }
        }
        return try await applyReturningTopic(id, change, now: now).outcome
    }

    /// The script's rules, on the maps.
    static func transition(_ s: inout State, _ id: String, _ change: StateChange, now: Date)
        -> (outcome: TransitionOutcome, topic: String?)
    {
        let current = s.meta[id]?["state"].flatMap(JobState.init(rawValue:))
        let final = change.target
        if current == final { return (.unchanged, nil) }
        guard change.from.contains(current) else { return (.rejected(current: current), nil) }
        for (field, value) in change.expected where s.meta[id]?[field] != value { return (.rejected(current: current), nil) }
        let seconds = Int(now.timeIntervalSince1970)
        var meta = s.meta[id] ?? [:]
        if final.isTerminal { s.submissions[id] = nil }
        meta["state"] = final.rawValue
        meta["updated_at"] = String(seconds)
        if current == nil { meta["created_at"] = String(seconds) }
        for (key, value) in change.fields { meta[key] = value }
        if let trace = change.traceID {
            meta["trace_id"] = trace
            s.traces[trace, default: []].insert(id)
        }
        if !final.isTerminal, let deadline = change.deadlineUnix {
            meta["deadline_unix"] = String(deadline)
            s.deadlines[id] = deadline
        }
        if let current { s.indexes[current]?[id] = nil }
        s.indexes[final, default: [:]][id] = seconds
        s.lastScore = max(s.lastScore + 1, Int64(now.timeIntervalSince1970 * 1_000_000))
        s.recent[id] = s.lastScore
        s.events[id, default: []] += change.path.map { "\(seconds)|\($0.rawValue)" }
        let topic = meta["topic"]
        if final.isTerminal {
            s.deadlines[id] = nil
            meta["deadline_unix"] = nil
            if let fallback = change.fallbackResult {
                let key = JobKeys.result(id)
                if s.blobs[key] == nil { s.blobs[key] = Array(fallback.utf8) }
                if meta["result_ptr"] == nil { meta["result_ptr"] = JobKeys.pointer(key) }
            }
            if var entry = change.deadLetter {
                if entry.topic?.isEmpty ?? true { entry.topic = topic }
                s.deadLetters[id] = (entry, seconds)
            }
        }
        s.meta[id] = meta
        return (.applied(from: current), topic)
    }

    public func submissions(_ ids: [String]) async throws -> [String: [UInt8]] {
        state.withLock { s in ids.reduce(into: [:]) { found, id in found[id] = s.submissions[id] } }
    }

    public func context(_ id: String) async throws -> String? {
        state.withLock { $0.blobs[JobKeys.context(id)].map { String(decoding: $0, as: UTF8.self) } }
    }

    public func putContext(_ id: String, _ json: String) async throws {
        state.withLock { $0.blobs[JobKeys.context(id)] = Array(json.utf8) }
    }

    public func putResult(_ id: String, _ json: String) async throws {
        state.withLock { $0.blobs[JobKeys.result(id)] = Array(json.utf8) }
    }

    public func blob(pointer: String) async throws -> [UInt8]? {
        guard let key = JobKeys.key(fromPointer: pointer) else { return nil }
        return state.withLock { $0.blobs[key] }
    }

    public func state(_ id: String) async throws -> JobState? {
        state.withLock { $0.meta[id]?["state"].flatMap(JobState.init(rawValue:)) }
    }

    public func meta(_ id: String) async throws -> [String: String] { state.withLock { $0.meta[id] ?? [:] } }

    public func records(_ ids: [String]) async throws -> [JobRecord] {
        state.withLock { s in
            ids.compactMap { id in
                let meta = s.meta[id] ?? [:]
                return JobRecordReading.record(id: id, values: JobRecordReading.recordFields.map { meta[$0] })
            }
        }
    }

    public func detail(_ id: String) async throws -> JobDetail? {
        state.withLock { s in
            guard
                var d = JobRecordReading.detail(
                    id: id, meta: s.meta[id] ?? [:], legacyState: nil, legacyResultPtr: nil,
                    context: s.blobs[JobKeys.context(id)],
                    deadLetter: s.deadLetters[id].flatMap { try? JSONEncoder().encode($0.entry) }.map(Array.init),
                    events: s.events[id] ?? [])
            else { return nil }
            d.result = JobKeys.key(fromPointer: d.resultPtr).flatMap { s.blobs[$0] }.flatMap { JSONValue.parse($0) }
            return d
        }
    }

    public func traceMembers(_ traceID: String) async throws -> [String] {
        state.withLock { ($0.traces[traceID] ?? []).sorted() }
    }

    public func recent(maxScore: Int64?, limit: Int) async throws -> [(id: String, score: Int64)] {
        state.withLock { s in
            s.recent.filter { $0.value <= (maxScore ?? .max) }.sorted { $0.value > $1.value }.prefix(limit)
                .map { ($0.key, $0.value) }
        }
    }

    public func ids(in state: JobState, enteredBefore cutoff: Int, limit: Int, offset: Int) async throws -> [String] {
        self.state.withLock { s in
            let entered = (s.indexes[state] ?? [:]).filter { $0.value <= cutoff }.sorted { ($0.value, $0.key) < ($1.value, $1.key) }
            return entered.dropFirst(offset).prefix(limit).map(\.key)
        }
    }

    public func idsPastDeadline(now: Int, limit: Int) async throws -> [String] {
        state.withLock { s in
            s.deadlines.filter { $0.value <= now }.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.prefix(limit).map(\.key)
        }
    }

    public func unindex(_ id: String, from state: JobState?) async throws {
        self.state.withLock { s in
            if let state { s.indexes[state]?[id] = nil } else { s.deadlines[id] = nil }
        }
    }

    public func deadLetters(limit: Int) async throws -> [DLQEntry] {
        state.withLock { s in
            s.deadLetters.values.sorted { $0.at > $1.at }.prefix(max(limit, 1)).map(\.entry)
        }
    }

    public func deadLetter(_ id: String) async throws -> DLQEntry? { state.withLock { $0.deadLetters[id]?.entry } }

    @discardableResult
    public func deleteDeadLetter(_ id: String) async throws -> Bool {
        state.withLock { $0.deadLetters.removeValue(forKey: id) != nil }
    }
}
