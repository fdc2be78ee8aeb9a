/// The Redis key layout of conversational memory (docs/protocol.md, "Redis layout"), in one place.
public enum MemoryKeys {
    /// What every memory key starts with.
    public static let prefix = "mem:"
    /// A list of `{"role","content","ts"}` events, oldest first.
    public static func events(_ memoryID: String) -> String { "mem:\(memoryID):events" }
    /// A set of the chunk keys of an ingested repository.
    public static func chunks(_ memoryID: String) -> String { "mem:\(memoryID):chunks" }
    /// One ingested file (`{path, language, bytes, loc, content}`).
    public static func chunk(_ memoryID: String, _ n: Int) -> String { "mem:\(memoryID):chunk:\(n)" }
}
