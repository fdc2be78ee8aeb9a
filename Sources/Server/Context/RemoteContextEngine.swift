import CoretexCore
import CoretexProtocol
import GRPCCore
import GRPCNIOTransportHTTP2
import ServiceLifecycle

/// A worker's client of a context engine in another process. A call waits for the connection
/// (an engine that starts after its workers, or restarts, is picked up) but at most `timeout`
/// (without a deadline a worker would hang at start-up while the engine is down); the worker
/// then goes on without history and says so in its result.
public final class RemoteContextEngine: ContextEngineAPI, Service {
    let client: GRPCClient<HTTP2ClientTransport.Posix>
    let engine: Coretex_V1_ContextEngine.Client<HTTP2ClientTransport.Posix>
    let timeout: Duration

    public init(address: HostPort, timeout: Duration = .seconds(2)) throws {
        let transport = try HTTP2ClientTransport.Posix(
            target: .ipv4(address: address.host, port: address.port), transportSecurity: .plaintext)
        client = GRPCClient(transport: transport)
        engine = Coretex_V1_ContextEngine.Client(wrapping: client)
        self.timeout = timeout
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await client.runConnections()
        } onGracefulShutdown: {
            self.client.beginGracefulShutdown()
        }
    }

    private var options: CallOptions {
        var options = CallOptions.defaults
        options.timeout = timeout
        options.waitForReady = true
        return options
    }

    public func buildWindow(_ request: Coretex_V1_BuildWindowRequest) async throws -> Coretex_V1_BuildWindowResponse {
        try await engine.buildWindow(request, options: options)
    }

    public func updateMemory(_ request: Coretex_V1_UpdateMemoryRequest) async throws {
        _ = try await engine.updateMemory(request, options: options)
    }

    public func ingestRepo(_ request: Coretex_V1_IngestRepoRequest) async throws {
        _ = try await engine.ingestRepo(request, options: options)
    }
}
