import CoretexCore
import CoretexProtocol
import CoretexRuntime
import GRPCCore
import Logging
import ServiceLifecycle

/// The gateway's gRPC API (`coretex.v1.CoretexApi` on `GATEWAY_GRPC_ADDR`). Like the HTTP API
/// it checks the API key (`x-api-key` metadata), so it is no back door.
public struct GatewayGRPC: Service {
    let gateway: Gateway
    let address: HostPort

    public init(gateway: Gateway, address: HostPort) {
        self.gateway = gateway
        self.address = address
    }

    struct Handler: Coretex_V1_CoretexApi.ServiceProtocol {
        let gateway: Gateway

        func submitJob(request message: ServerRequest<Coretex_V1_SubmitJobRequest>, context: ServerContext) async throws
            -> ServerResponse<Coretex_V1_SubmitJobResponse>
        {
            try authorize(message.metadata)
            let request = message.message
            var body = SubmitJobRequest(prompt: request.prompt, topic: request.topic)
            body.adapterID = request.adapterID
            body.priority = request.priority
            body.orgID = request.orgID
            body.teamID = request.teamID
            body.projectID = request.projectID
            body.principalID = request.principalID
            // The context mode follows from the topic (chat, rag or raw), sent explicitly so HTTP
            // and gRPC submissions of the same job behave the same.
            let topic = request.topic.isEmpty ? "job.chat.simple" : request.topic
            body.contextMode = TopicFamily(topic: topic).contextMode
            do {
                let submitted = try await gateway.submit(body, sender: Gateway.sender)
                var response = Coretex_V1_SubmitJobResponse()
                response.jobID = submitted.jobID
                response.traceID = submitted.traceID
                return ServerResponse(message: response)
            } catch let failure as APIFailure {
                throw RPCError(code: failure.status.code == 503 ? .unavailable : .invalidArgument, message: failure.body.error)
            }
        }

        func getJobStatus(request message: ServerRequest<Coretex_V1_GetJobStatusRequest>, context: ServerContext) async throws
            -> ServerResponse<Coretex_V1_GetJobStatusResponse>
        {
            try authorize(message.metadata)
            let request = message.message
            var response = Coretex_V1_GetJobStatusResponse()
            response.jobID = request.jobID
            let detail = try? await gateway.store.detail(request.jobID)
            response.status = detail?.state ?? "UNKNOWN"
            response.resultPtr = detail?.resultPtr ?? ""
            return ServerResponse(message: response)
        }

        func authorize(_ metadata: Metadata) throws {
            guard let key = gateway.settings.apiKey else { return }
            let presented = metadata[stringValues: "x-api-key"].first(where: { _ in true }).map(Settings.normalizeKey)
            guard let presented, APIKey.matches(presented, key) else { throw RPCError(code: .unauthenticated, message: "unauthorized") }
        }
    }

    public func run() async throws {
        try await GRPCEndpoint.serve(
            [Handler(gateway: gateway)], at: address, name: "gateway gRPC",
            idleTimeout: .milliseconds(Int64(gateway.settings.apiIdleTimeout * 1000)), logger: gateway.logger)
    }
}
