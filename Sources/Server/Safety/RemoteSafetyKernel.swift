import CoretexCore
import CoretexProtocol
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle

/// The scheduler's client of a safety kernel in another process: 2 s per call, a circuit
/// breaker, and a `SafetyUnavailable` that says what went wrong when no answer can be had
/// (the scheduler holds the job meanwhile: fail closed, without denying what the kernel
/// never judged). The connection is tried again within 2 s of a kernel coming back.
public final class RemoteSafetyKernel: SafetyChecking, Service {
    let client: GRPCClient<HTTP2ClientTransport.Posix>
    let kernel: Coretex_Agent_V1_SafetyKernel.Client<HTTP2ClientTransport.Posix>
    let breaker = CircuitBreaker()
    let logger: Logger

    public init(address: HostPort, logger: Logger) throws {
        var config = HTTP2ClientTransport.Posix.Config.defaults
        // gRPC's default backoff grows to two minutes: a restarted kernel would go unasked that long.
        config.backoff = .init(initial: .milliseconds(250), max: .seconds(2), multiplier: 1.6, jitter: 0.2)
        let transport = try HTTP2ClientTransport.Posix(
            target: .ipv4(address: address.host, port: address.port), transportSecurity: .plaintext, config: config)
        self.client = GRPCClient(transport: transport)
        self.kernel = Coretex_Agent_V1_SafetyKernel.Client(wrapping: client)
        self.logger = logger
    }

    /// Runs the client's connections (a `Service`, so it starts and stops with its process).
    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await client.runConnections()
        } onGracefulShutdown: {
            self.client.beginGracefulShutdown()
        }
    }

    public func check(_ request: Coretex_Agent_V1_PolicyCheckRequest) async throws(SafetyUnavailable)
        -> Coretex_Agent_V1_PolicyCheckResponse
    {
        if case .reject(let reason) = breaker.admit() { throw SafetyUnavailable(reason) }
        do {
            var options = CallOptions.defaults
            options.timeout = .seconds(2)
            let response = try await kernel.check(request, options: options)
            breaker.succeeded()
            return response
        } catch {
            breaker.failed()
            logger.warning("safety kernel call failed", metadata: ["error": "\(error)"])
            throw SafetyUnavailable("safety kernel error: \(error)")
        }
    }

    public func waitUntilReady(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        var probe = Coretex_Agent_V1_PolicyCheckRequest()
        probe.topic = "job.probe"
        probe.tenant = "default"
        var options = CallOptions.defaults
        options.timeout = .seconds(1)
        while ContinuousClock.now < deadline {
            if (try? await kernel.check(probe, options: options)) != nil { return true }
            logger.info("waiting for the safety kernel")
            try? await Task.sleep(for: .milliseconds(250))
        }
        return false
    }
}
