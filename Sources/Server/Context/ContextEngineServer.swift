import CoretexCore
import CoretexProtocol
import CoretexRuntime
import GRPCCore
import Logging
import ServiceLifecycle

/// The context engine as the gRPC service `coretex.v1.ContextEngine` on `CONTEXT_ENGINE_ADDR`.
/// A Redis failure answers UNAVAILABLE, not an empty window, so a worker can tell it from
/// "no history".
public struct ContextEngineServer: Service {
    let engine: ContextEngine
    let address: HostPort
    let logger: Logger

    let idleTimeout: Duration

    public init(engine: ContextEngine, address: HostPort, idleTimeout: Duration = .seconds(10), logger: Logger) {
        self.engine = engine
        self.address = address
        self.idleTimeout = idleTimeout
        self.logger = logger
    }

    struct Handler: Coretex_V1_ContextEngine.SimpleServiceProtocol {
        let engine: ContextEngine

        func buildWindow(request: Coretex_V1_BuildWindowRequest, context: ServerContext) async throws
            -> Coretex_V1_BuildWindowResponse
        {
            try await answer { try await engine.buildWindow(request) }
        }

        func updateMemory(request: Coretex_V1_UpdateMemoryRequest, context: ServerContext) async throws
            -> Coretex_V1_UpdateMemoryResponse
        {
            try await answer { try await engine.updateMemory(request) }
            return .init()
        }

        func ingestRepo(request: Coretex_V1_IngestRepoRequest, context: ServerContext) async throws
            -> Coretex_V1_IngestRepoResponse
        {
            try await answer { try await engine.ingestRepo(request) }
            return .init()
        }

        private func answer<T: Sendable>(_ work: () async throws -> T) async throws -> T {
            do {
                return try await work()
            } catch {
                throw RPCError(code: .unavailable, message: "memory store: \(error)")
            }
        }
    }

    public func run() async throws {
        try await GRPCEndpoint.serve(
            [Handler(engine: engine)], at: address, name: "context engine", idleTimeout: idleTimeout, logger: logger)
    }
}
