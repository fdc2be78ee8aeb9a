/// The Redis key layout of jobs (docs/protocol.md, "Redis layout"), in one place.
public enum JobKeys {
    public static func meta(_ id: String) -> String { "job:meta:\(id)" }
    /// Legacy mirror of meta `state`, kept because old readers fall back to it.
    public static func state(_ id: String) -> String { "job:state:\(id)" }
    /// Legacy mirror of meta `result_ptr`.
    public static func resultPtr(_ id: String) -> String { "job:result_ptr:\(id)" }
    public static func events(_ id: String) -> String { "job:events:\(id)" }
    public static func index(_ state: String) -> String { "job:index:\(state.lowercased())" }
    public static let recent = "job:recent"
    public static let deadline = "job:deadline"
    public static func trace(_ id: String) -> String { "trace:\(id)" }
    public static func context(_ id: String) -> String { "ctx:\(id)" }
    public static func result(_ id: String) -> String { "res:\(id)" }
    public static func dlqEntry(_ id: String) -> String { "dlq:entry:\(id)" }
    public static let dlqIndex = "dlq:index"
    /// The packet a job was submitted in (base64), kept for a while so a job that no scheduler
    /// received can be published again by the reconciler.
    public static func submission(_ id: String) -> String { "job:request:\(id)" }
    /// The lock reconciler replicas take turns with (a `RedisLock`: only its owner releases it).
    public static let reconcilerLock = "coretex:reconciler:default"

    /// `redis://<key>` → `<key>`; nil unless the pointer has that form and a non-empty key.
    public static func key(fromPointer pointer: String) -> String? {
        guard pointer.hasPrefix("redis://") else { return nil }
        let key = String(pointer.dropFirst("redis://".count))
        return key.isEmpty ? nil : key
    }

    public static func pointer(_ key: String) -> String { "redis://\(key)" }
}
