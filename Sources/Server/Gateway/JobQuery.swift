import CoretexProtocol
import Hummingbird

/// The filters and paging of `GET /api/v1/jobs`.
struct JobQuery: Sendable, Equatable {
    static let maxLimit = 1000

    var limit = 50
    /// Upper bound on the position in `job:recent`: either unix seconds (what existing
    /// clients send) or the microsecond cursor this gateway returns.
    var cursor: Int64?
    var state: String?
    var topic: String?
    var tenant: String?
    var team: String?
    var updatedAfter: Int?
    var updatedBefore: Int?
    var traceID: String?
    /// `label=key=value` (repeatable): every one must match.
    var labels: [String: String] = [:]

    init() {}

    init(_ query: Parameters) {
        func text(_ name: String) -> String? { query.get(name).flatMap { $0.isEmpty ? nil : String($0) } }
        if let l = text("limit").flatMap(Int.init), l > 0 { limit = min(l, Self.maxLimit) }
        cursor = text("cursor").flatMap { Int64($0) }.flatMap { $0 > 0 ? $0 : nil }
        state = text("state")?.uppercased()
        topic = text("topic")
        tenant = text("tenant")
        team = text("team")
        updatedAfter = text("updated_after").flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil }
        updatedBefore = text("updated_before").flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil }
        traceID = text("trace_id")
        for item in query.getAll("label") {
            let parts = item.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { labels[String(parts[0])] = String(parts[1]) }
        }
    }

    /// The cursor as a `job:recent` score (µs). A seconds cursor covers its whole second.
    var maxScore: Int64? {
        guard let cursor else { return nil }
        return cursor < 100_000_000_000 ? (cursor + 1) * 1_000_000 - 1 : cursor
    }

    var hasFilters: Bool {
        state != nil || topic != nil || tenant != nil || team != nil || updatedAfter != nil || updatedBefore != nil
            || !labels.isEmpty
    }

    func matches(_ r: JobRecord) -> Bool {
        if let state, r.state != state { return false }
        if let topic, r.topic != topic { return false }
        if let tenant, r.tenant != tenant { return false }
        if let team, r.team != team { return false }
        if let updatedAfter, r.updatedAt < updatedAfter { return false }
        if let updatedBefore, r.updatedAt > updatedBefore { return false }
        for (key, value) in labels where r.labels?[key] != value { return false }
        return true
    }
}

extension Gateway {
    /// Pages through `job:recent` newest first. Scores there are unique microsecond stamps, so
    /// `next_cursor` (last returned score − 1) never skips a job; with filters, scanning goes
    /// on until the page is full or `scanLimit` entries were read, and the cursor points past
    /// what was scanned — so a filtered page is never cut short while matches remain.
    func listJobs(_ q: JobQuery, scanLimit: Int = 20_000) async throws -> JobList {
        if let traceID = q.traceID {
            let ids = try await storeCall { try await self.store.traceMembers(traceID) }
            let records = try await storeCall { try await self.store.records(ids) }
                .filter(q.matches).sorted { ($0.updatedAt, $0.id) > ($1.updatedAt, $1.id) }
            return JobList(items: Array(records.prefix(q.limit)), nextCursor: nil)
        }
        var items: [JobRecord] = []
        var maxScore = q.maxScore
        var scanned = 0
        let batch = q.hasFilters ? max(q.limit * 2, 200) : q.limit
        while items.count < q.limit {
            let page = try await storeCall { try await self.store.recent(maxScore: maxScore, limit: batch) }
            let records = try await storeCall { try await self.store.records(page.map(\.id)) }
            let byID = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            for entry in page {
                scanned += 1
                maxScore = entry.score - 1
                if let record = byID[entry.id], q.matches(record) {
                    items.append(record)
                    if items.count == q.limit {
                        return JobList(items: items, nextCursor: maxScore)
                    }
                }
            }
            if page.count < batch { return JobList(items: items, nextCursor: nil) }
            if scanned >= scanLimit { return JobList(items: items, nextCursor: maxScore) }
        }
        return JobList(items: items, nextCursor: maxScore)
    }
}
