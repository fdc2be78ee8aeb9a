/// Retention of what the job store writes. Every key it creates expires or is trimmed by an
/// owner; these are the knobs.
public struct StoreSettings: Sendable, Equatable {
    /// TTL of `ctx:*` and `res:*` blobs (`REDIS_DATA_TTL`, default 24 h).
    public var dataTTL: Int = 24 * 3600
    /// TTL of job meta, legacy keys, events, traces and DLQ entries (`JOB_META_TTL`, default 7 d).
    public var metaTTL: Int = 7 * 24 * 3600
    /// How many jobs `job:recent` keeps (the list route pages through these).
    public var recentLimit: Int = 10_000
    /// How many ids each terminal `job:index:<state>` keeps.
    public var terminalIndexLimit: Int = 10_000
    /// How many DLQ entries are kept; trimming deletes the entries too.
    public var dlqLimit: Int = 1000

    public init() {}
}
