import CoretexInfra
import CoretexProtocol
import CoretexTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Testing

/// The gateway's gRPC API and its rate limit.
@Suite(.serialized) struct GatewayAPITests {
    @Test func grpcSubmitAndStatusRequireTheKey() async throws {
        let grpcPort = LocalServers.freePort()
        let stack = try await Stack(environment: ["GATEWAY_GRPC_ADDR": "127.0.0.1:\(grpcPort)"]).ready()
        try await withGRPCClient(
            transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: grpcPort), transportSecurity: .plaintext)
        ) { client in
            let api = Coretex_V1_CoretexApi.Client(wrapping: client)
            var request = Coretex_V1_SubmitJobRequest()
            request.topic = "job.echo"
            request.prompt = "over grpc"
            await #expect(throws: RPCError.self) { _ = try await api.submitJob(request) }  // no key
            let keyed: Metadata = ["x-api-key": "test-key"]
            let submitted = try await api.submitJob(request, metadata: keyed)
            #expect(!submitted.jobID.isEmpty)
            let detail = try await stack.waitFor(submitted.jobID, state: "SUCCEEDED")
            #expect(detail["trace_id"] as? String == submitted.traceID)
            var status = Coretex_V1_GetJobStatusRequest()
            status.jobID = submitted.jobID
            let answer = try await api.getJobStatus(status, metadata: keyed)
            #expect(answer.status == "SUCCEEDED")
            #expect(answer.resultPtr == "redis://res:\(submitted.jobID)")
            status.jobID = "unknown"
            #expect(try await api.getJobStatus(status, metadata: keyed).status == "UNKNOWN")
            var bad = request
            bad.topic = "sys.nope"
            do {
                _ = try await api.submitJob(bad, metadata: keyed)
                Issue.record("expected INVALID_ARGUMENT")
            } catch let error as RPCError {
                #expect(error.code == .invalidArgument)
                #expect(error.message == "topic must start with job.")
            }
        }
    }

    @Test func theRateLimitAnswers429WithRetryAfter() async throws {
        let stack = try await Stack(environment: ["API_RATE_LIMIT_RPS": "1", "API_RATE_LIMIT_BURST": "3"]).ready()
        var statuses: [Int] = []
        for _ in 0..<6 { statuses.append(try await stack.get("/api/v1/jobs").0) }
        #expect(statuses.prefix(2).allSatisfy { $0 == 200 })
        #expect(statuses.contains(429))
        // Another key has its own bucket; /health is never limited.
        #expect(try await stack.get("/health").0 == 200)
    }
}
