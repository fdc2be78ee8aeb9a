import CoretexCore
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle

/// Serves gRPC services on a plaintext HTTP/2 port until graceful shutdown: the one way the
/// safety kernel, the context engine and the gateway's gRPC API listen.
package enum GRPCEndpoint {
    package static func serve(_ services: [any RegistrableRPCService], at address: HostPort, name: String, logger: Logger)
        async throws
    {
        let server = GRPCServer(
            transport: .http2NIOPosix(address: .ipv4(host: address.host, port: address.port), transportSecurity: .plaintext),
            services: services)
        logger.info("\(name) listening", metadata: ["addr": "\(address)"])
        try await withGracefulShutdownHandler {
            try await server.serve()
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}
