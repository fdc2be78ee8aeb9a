import CoretexCore
import CoretexProtocol
import Foundation

/// Jobs in Redis: states, meta, context and result blobs, traces and dead letters, in the
/// contract's key layout (`JobKeys`). Every state change is one atomic script call
/// (`TransitionScript`); reads are pipelined.
public struct JobStore: JobRecords {
    public let redis: RedisClient
    public let settings: StoreSettings

    public init(redis: RedisClient, settings: StoreSettings = StoreSettings()) {
        self.redis = redis
        self.settings = settings
    }

    // MARK: - state changes

    /// Applies `change`, also returning the job's topic when the change applied (for metrics
    /// labels), so callers need no second round trip.
    public func applyReturningTopic(_ id: String, _ change: StateChange, now: Date) async throws
        -> (outcome: TransitionOutcome, topic: String?)
    {
        try await applyReturningTopic(id, change, now: now, after: [])
    }

    /// `apply`, also reading the blob behind `pointer` (nil when there is none) in the same
    /// round trip: a worker starting a job needs both.
    public func apply(_ id: String, _ change: StateChange, reading pointer: String, now: Date) async throws
        -> (outcome: TransitionOutcome, blob: [UInt8]?)
    {
        let reads = JobKeys.key(fromPointer: pointer).map { [["GET", $0]] } ?? []
        let (outcome, _, replies) = try await transition(id, change, now: now, after: [], then: reads)
        return (outcome, replies.first?.bytes)
    }

    /// `prelude`: commands sent in the same round trip, just before the transition.
    private func applyReturningTopic(_ id: String, _ change: StateChange, now: Date, after prelude: [[String]]) async throws
        -> (outcome: TransitionOutcome, topic: String?)
    {
        let (outcome, topic, _) = try await transition(id, change, now: now, after: prelude, then: [])
        return (outcome, topic)
    }

    /// Runs the transition script with `prelude` just before it and `followUps` just after it,
    /// all in one round trip.
    private func transition(
        _ id: String, _ change: StateChange, now: Date, after prelude: [[String]],
        then followUps: [[String]]
    ) async throws
        -> (outcome: TransitionOutcome, topic: String?, followUps: [RedisValue])
    {
        let keys = [
            JobKeys.meta(id), JobKeys.state(id), JobKeys.recent, JobKeys.events(id), JobKeys.deadline,
            JobKeys.resultPtr(id), JobKeys.dlqEntry(id), JobKeys.dlqIndex, JobKeys.result(id),
            JobKeys.trace(change.traceID ?? ""), JobKeys.submission(id),
        ]
        // First ranks trimmed (scripts get numbers as text; see `TransitionScript`).
        let recentTrim = String(-(settings.recentLimit + 1))
        let terminalTrim = String(-(settings.terminalIndexLimit + 1))
        var args = [
            id,
            change.path.map(\.rawValue).joined(separator: ","),
            change.from.map { $0?.rawValue ?? "~" }.joined(separator: ","),
            String(max(Int64(now.timeIntervalSince1970 * 1_000_000), 1_000_000)),  // ≥ 7 digits (see the script)
            String(settings.metaTTL),
            recentTrim,
            terminalTrim,
            change.target.isTerminal ? "1" : "0",
            try change.deadLetter.map(Self.encode) ?? "",
            String(settings.dlqLimit),
            change.fallbackResult ?? "",
            String(settings.dataTTL),
            change.traceID ?? "",
            String(change.deadlineUnix ?? 0),
        ]
        for (field, value) in change.expected { args += ["?" + field, value] }
        for (field, value) in change.fields { args += [field, value] }
        let (script, after) = try await redis.eval(
            TransitionScript.script, keys: keys, args: args, after: prelude,
            then: followUps)
        let reply = script.array
        let outcome = reply.first?.text ?? ""
        let current = reply.count > 1 ? JobState(rawValue: reply[1].text ?? "") : nil
        switch outcome {
        case "applied": return (.applied(from: current), reply.count > 2 ? reply[2].text : nil, after)
        case "unchanged": return (.unchanged, nil, after)
        default: return (.rejected(current: current), nil, after)
        }
    }

    /// Creates a job in PENDING with its meta, and optionally its context and the packet it is
    /// submitted in (kept for `submissionTTL`, see `submissions`), in one round trip.
    /// Returns `.rejected(current:)` when the id already exists: a duplicate submission never
    /// resets a job.
    public func create(
        _ id: String, meta: [(String, String)], traceID: String?, deadlineUnix: Int?,
        context: String?, submission: [UInt8]?, now: Date
    ) async throws -> TransitionOutcome {
        var change = StateChange(to: .pending, from: [nil])
        change.fields = meta
        change.traceID = traceID
        change.deadlineUnix = deadlineUnix
        // The context goes in the same round trip, ahead of the transition, so a scheduler that
        // sees the job can always read it.
        var prelude = context.map { [["SET", JobKeys.context(id), $0, "EX", String(settings.dataTTL)]] } ?? []
        if let submission {  // NX: a duplicate id, rejected below, leaves the job's own packet
            prelude.append([
                "SET", JobKeys.submission(id), Data(submission).base64EncodedString(),
                "EX", String(Self.submissionTTL), "NX",
            ])
        }
        return try await applyReturningTopic(id, change, now: now, after: prelude).outcome
    }

    /// How long a submitted packet is kept at most (it goes as soon as the job ends): a day,
    /// longer than any job runs with the shipped timeouts. It is what a job is published
    /// again from, and what a job whose worker was lost runs again from.
    public static let submissionTTL = 86_400

    /// The packets these jobs were submitted in, where still kept, by job id.
    public func submissions(_ ids: [String]) async throws -> [String: [UInt8]] {
        if ids.isEmpty { return [:] }
        let replies = try await redis.pipeline(ids.map { ["GET", JobKeys.submission($0)] })
        var found: [String: [UInt8]] = [:]
        for (id, reply) in zip(ids, replies) {
            if let text = reply.text, let bytes = Data(base64Encoded: text) { found[id] = Array(bytes) }
        }
        return found
    }

    // MARK: - blobs

    /// The job's stored context (`ctx:<id>`), if it has one.
    public func context(_ id: String) async throws -> String? {
        try await redis.command("GET", JobKeys.context(id)).text
    }

    public func putContext(_ id: String, _ json: String) async throws {
        try await redis.command("SET", JobKeys.context(id), json, "EX", String(settings.dataTTL))
    }

    public func putResult(_ id: String, _ json: String) async throws {
        try await redis.command("SET", JobKeys.result(id), json, "EX", String(settings.dataTTL))
    }

    /// The bytes behind a `redis://` pointer, or nil.
    public func blob(pointer: String) async throws -> [UInt8]? {
        guard let key = JobKeys.key(fromPointer: pointer) else { return nil }
        return try await redis.command("GET", key).bytes
    }

    // MARK: - reads

    /// The job's state; nil when no job has this id.
    public func state(_ id: String) async throws -> JobState? {
        let replies = try await redis.pipeline([["HGET", JobKeys.meta(id), "state"], ["GET", JobKeys.state(id)]])
        return (replies[0].text ?? replies[1].text).flatMap(JobState.init(rawValue:))
    }

    /// Meta fields of the job (empty when unknown).
    public func meta(_ id: String) async throws -> [String: String] {
        Self.hash(try await redis.command("HGETALL", JobKeys.meta(id)))
    }

    /// List records of the given jobs, in the given order, in one round trip. Jobs whose meta
    /// has expired are left out.
    public func records(_ ids: [String]) async throws -> [JobRecord] {
        let replies = try await redis.pipeline(ids.map { ["HMGET", JobKeys.meta($0)] + JobRecordReading.recordFields })
        return zip(ids, replies).compactMap { id, reply in JobRecordReading.record(id: id, values: reply.array.map(\.text)) }
    }

    /// Everything known about one job, in two round trips; nil when the job does not exist.
    public func detail(_ id: String) async throws -> JobDetail? {
        let replies = try await redis.pipeline([
            ["HGETALL", JobKeys.meta(id)],
            ["GET", JobKeys.state(id)],
            ["GET", JobKeys.resultPtr(id)],
            ["GET", JobKeys.context(id)],
            ["GET", JobKeys.dlqEntry(id)],
            ["LRANGE", JobKeys.events(id), "0", "-1"],
        ])
        guard
            var d = JobRecordReading.detail(
                id: id, meta: Self.hash(replies[0]), legacyState: replies[1].text, legacyResultPtr: replies[2].text,
                context: replies[3].bytes, deadLetter: replies[4].bytes, events: replies[5].array.compactMap(\.text))
        else { return nil }
        if let key = JobKeys.key(fromPointer: d.resultPtr), let bytes = try await redis.command("GET", key).bytes {
            d.result = JSONValue.parse(bytes)
        }
        return d
    }

    /// Ids of the jobs of a trace.
    public func traceMembers(_ traceID: String) async throws -> [String] {
        try await redis.command("SMEMBERS", JobKeys.trace(traceID)).array.compactMap(\.text).sorted()
    }

    /// Up to `limit` ids from `job:recent`, newest first, whose score is ≤ `maxScore`, with
    /// their scores (µs).
    public func recent(maxScore: Int64?, limit: Int) async throws -> [(id: String, score: Int64)] {
        let max = maxScore.map(String.init) ?? "+inf"
        let reply = try await redis.command(
            "ZREVRANGEBYSCORE", JobKeys.recent, max, "-inf", "WITHSCORES", "LIMIT", "0", String(limit))
        let items = reply.array
        return stride(from: 0, to: items.count - 1, by: 2).compactMap { i in
            guard let id = items[i].text, let score = items[i + 1].text.flatMap(Double.init) else { return nil }
            return (id, Int64(score))
        }
    }

    /// Ids that entered `state` at or before `cutoff` (unix seconds), oldest first, skipping
    /// the first `offset`.
    public func ids(in state: JobState, enteredBefore cutoff: Int, limit: Int, offset: Int) async throws -> [String] {
        try await redis.command(
            "ZRANGEBYSCORE", JobKeys.index(state.rawValue), "-inf", String(cutoff), "LIMIT", String(offset), String(limit)
        ).array.compactMap(\.text)
    }

    /// Ids whose deadline (unix seconds) is at or before `now`.
    public func idsPastDeadline(now: Int, limit: Int) async throws -> [String] {
        try await redis.command("ZRANGEBYSCORE", JobKeys.deadline, "-inf", String(now), "LIMIT", "0", String(limit))
            .array.compactMap(\.text)
    }

    /// Removes an id from an index it no longer belongs in (its job finished or expired).
    public func unindex(_ id: String, from state: JobState?) async throws {
        if let state {
            try await redis.command("ZREM", JobKeys.index(state.rawValue), id)
        } else {
            try await redis.command("ZREM", JobKeys.deadline, id)
        }
    }

    // MARK: - dead letters

    public func deadLetters(limit: Int) async throws -> [DLQEntry] {
        let ids = try await redis.command("ZREVRANGE", JobKeys.dlqIndex, "0", String(max(limit, 1) - 1)).array
            .compactMap(\.text)
        if ids.isEmpty { return [] }
        let replies = try await redis.pipeline(ids.map { ["GET", JobKeys.dlqEntry($0)] })
        return replies.compactMap { $0.bytes.flatMap { try? JSONDecoder().decode(DLQEntry.self, from: Data($0)) } }
    }

    public func deadLetter(_ id: String) async throws -> DLQEntry? {
        try await redis.command("GET", JobKeys.dlqEntry(id)).bytes.flatMap {
            try? JSONDecoder().decode(DLQEntry.self, from: Data($0))
        }
    }

    /// Deletes an entry; true when it existed.
    @discardableResult
    public func deleteDeadLetter(_ id: String) async throws -> Bool {
        let replies = try await redis.pipeline([["DEL", JobKeys.dlqEntry(id)], ["ZREM", JobKeys.dlqIndex, id]])
        return (replies[0].int ?? 0) > 0
    }

    // MARK: - helpers

    static func hash(_ reply: RedisValue) -> [String: String] {
        let items = reply.array
        var out: [String: String] = [:]
        for i in stride(from: 0, to: items.count - 1, by: 2) {
            if let k = items[i].text, let v = items[i + 1].text { out[k] = v }
        }
        return out
    }

    static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }
}
