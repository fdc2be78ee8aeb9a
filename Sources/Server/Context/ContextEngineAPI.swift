import CoretexProtocol

/// The context engine's three calls (docs/models-and-memory.md, "Context engine"), whether the
/// engine runs in this process (`dev`) or behind gRPC (`coretex-server context-engine`).
/// Failures are thrown, so a worker can tell "no history" from "memory unavailable".
public protocol ContextEngineAPI: Sendable {
    func buildWindow(_ request: Coretex_V1_BuildWindowRequest) async throws -> Coretex_V1_BuildWindowResponse
    func updateMemory(_ request: Coretex_V1_UpdateMemoryRequest) async throws
    func ingestRepo(_ request: Coretex_V1_IngestRepoRequest) async throws
}

extension Coretex_V1_ContextMode {
    /// `chat`, `rag` or `raw` (any case) from a job's `env.context_mode`; nil when absent or unknown.
    public init?(envValue: String?) {
        switch envValue?.lowercased() {
        case "chat": self = .chat
        case "rag": self = .rag
        case "raw": self = .raw
        default: return nil
        }
    }
}
