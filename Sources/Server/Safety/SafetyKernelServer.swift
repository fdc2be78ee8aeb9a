import CoretexCore
import CoretexProtocol
import CoretexRuntime
import GRPCCore
import Logging
import ServiceLifecycle

/// The safety kernel as a gRPC service (`coretex.agent.v1.SafetyKernel/Check`) on
/// `SAFETY_KERNEL_ADDR`. `Check` never fails: a bad request is a DENY with a reason.
public struct SafetyKernelServer: Service {
    let kernel: SafetyKernel
    let address: HostPort
    let logger: Logger

    let idleTimeout: Duration

    public init(kernel: SafetyKernel, address: HostPort, idleTimeout: Duration = .seconds(10), logger: Logger) {
        self.kernel = kernel
        self.address = address
        self.idleTimeout = idleTimeout
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
        try await GRPCEndpoint.serve(
            [Handler(kernel: kernel)], at: address, name: "safety kernel", idleTimeout: idleTimeout, logger: logger)
    }
}
