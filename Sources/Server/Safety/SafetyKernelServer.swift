import CoretexCore
import CoretexProtocol
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle

/// The safety kernel as a gRPC service (`coretex.agent.v1.SafetyKernel/Check`) on
/// `SAFETY_KERNEL_ADDR`. `Check` never fails: a bad request is a DENY with a reason.
public struct SafetyKernelServer: Service {
    let kernel: SafetyKernel
    let address: HostPort
    let logger: Logger

    public init(kernel: SafetyKernel, address: HostPort, logger: Logger) {
        self.kernel = kernel
        self.address = address
        self.logger = logger
    }

    struct Handler: Coretex_Agent_V1_SafetyKernel.SimpleServiceProtocol {
        let kernel: SafetyKernel
        func check(request: Coretex_Agent_V1_PolicyCheckRequest, context: ServerContext) async throws
            -> Coretex_Agent_V1_PolicyCheckResponse
        {
            await kernel.check(request)
        }
    }

    public func run() async throws {
        let server = GRPCServer(
            transport: .http2NIOPosix(address: .ipv4(host: address.host, port: address.port), transportSecurity: .plaintext),
            services: [Handler(kernel: kernel)])
        logger.info("safety kernel listening", metadata: ["addr": "\(address)"])
        try await withGracefulShutdownHandler {
            try await server.serve()
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}
