/// The filters and paging of `GET /api/v1/jobs`.
public struct JobFilter: Sendable, Equatable {
    public var state: String?
    public var topic: String?
    public var tenant: String?
    public var traceID: String?
    /// `key=value` labels that must all match.
    public var labels: [String: String] = [:]
    /// Only jobs updated at or after this unix second.
    public var updatedAfter: Int?
    public var limit: Int = 50
    public var cursor: Int64?

    public init() {}

    var query: [(String, String)] {
        var q: [(String, String)] = [("limit", String(limit))]
        if let state { q.append(("state", state.uppercased())) }
        if let topic { q.append(("topic", topic)) }
        if let tenant { q.append(("tenant", tenant)) }
        if let traceID { q.append(("trace_id", traceID)) }
        for (k, v) in labels.sorted(by: { $0.key < $1.key }) { q.append(("label", "\(k)=\(v)")) }
        if let updatedAfter { q.append(("updated_after", String(updatedAfter))) }
        if let cursor { q.append(("cursor", String(cursor))) }
        return q
    }
}
