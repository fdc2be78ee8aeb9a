import CoretexCore
import CoretexProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CoretexGateway

/// `Idempotency-Key` on the routes that create work: the same key and body answer with what
/// the first request created (nothing new is created), the same key with another body is a
/// 409, and a key is checked for form.
@Suite struct GatewayIdempotencyTests {
    func post(_ client: some TestClientProtocol, _ uri: String, _ json: String, idempotencyKey: String?) async throws
        -> TestResponse
    {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let idempotencyKey { headers[.init("Idempotency-Key")!] = idempotencyKey }
        return try await client.executeRequest(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    func field(_ response: TestResponse, _ name: String) -> String? {
        (try? JSONDecoder().decode([String: String].self, from: Data(buffer: response.body)))?[name]
    }

    @Test func aRepeatedSubmitAnswersWithTheFirstJobAndCreatesNoOther() async throws {
        try await GatewayFixture.test { fixture, client in
            let body = #"{"topic":"job.echo","prompt":"once"}"#
            let first = try await post(client, "/api/v1/jobs", body, idempotencyKey: "order-42")
            expectStatus(first, .ok)
            let again = try await post(client, "/api/v1/jobs", body, idempotencyKey: "order-42")
            expectStatus(again, .ok)
            let id = try #require(field(first, "job_id"))
            #expect(field(again, "job_id") == id && field(again, "trace_id") == field(first, "trace_id"))
            let recent = try await fixture.gateway.store.recent(maxScore: nil, limit: 10)
            #expect(recent.map(\.id) == [id], "one job only")

            let other = try await post(client, "/api/v1/jobs", body, idempotencyKey: "order-43")
            #expect(field(other, "job_id") != id, "another key is another job")
            let plain = try await post(client, "/api/v1/jobs", body, idempotencyKey: nil)
            #expect(field(plain, "job_id") != id && field(plain, "job_id") != field(other, "job_id"))
        }
    }

    @Test func theSameKeyWithAnotherBodyIsAConflict() async throws {
        try await GatewayFixture.test { fixture, client in
            _ = try await post(client, "/api/v1/jobs", #"{"topic":"job.echo","prompt":"a"}"#, idempotencyKey: "k")
            let conflict = try await post(client, "/api/v1/jobs", #"{"topic":"job.echo","prompt":"b"}"#, idempotencyKey: "k")
            expectFailure(
                conflict, .conflict, code: "idempotency_conflict",
                message: "Idempotency-Key k was already used with a different request")
            #expect(try await fixture.gateway.store.recent(maxScore: nil, limit: 10).count == 1)
            // The same key names the same thing only within one route.
            let review = try await post(client, "/api/v1/repo-review", #"{"local_path":"/nonexistent"}"#, idempotencyKey: "k")
            expectStatus(review, .ok)
        }
    }

    @Test func aKeyMustBePrintableASCIIOfAtMost255Characters() async throws {
        try await GatewayFixture.test { _, client in
            for bad in [String(repeating: "x", count: 256), "with space", "naïve"] {
                let response = try await post(client, "/api/v1/jobs", #"{"topic":"job.echo","prompt":"a"}"#, idempotencyKey: bad)
                expectFailure(response, .badRequest, code: "invalid_idempotency_key")
            }
        }
    }

    /// A request the gateway refuses (here: invalid) does not use up its key.
    @Test func aRefusedRequestLeavesTheKeyFree() async throws {
        try await GatewayFixture.test { _, client in
            let refused = try await post(client, "/api/v1/jobs", #"{"topic":"job.echo"}"#, idempotencyKey: "retry-me")
            expectFailure(refused, .badRequest, code: "missing_prompt")
            let accepted = try await post(client, "/api/v1/jobs", #"{"topic":"job.echo","prompt":"now"}"#, idempotencyKey: "retry-me")
            expectStatus(accepted, .ok)
        }
    }

    @Test func aRepeatedRunStartAnswersWithTheFirstRun() async throws {
        try await GatewayFixture.test { _, client in
            let definition = #"{"id":"once","name":"once","steps":{"wait":{"type":"approval"}}}"#
            expectStatus(try await post(client, "/api/v1/workflows", definition, idempotencyKey: nil), .created)
            let first = try await post(client, "/api/v1/workflows/once/runs", #"{"n":1}"#, idempotencyKey: "run-1")
            expectStatus(first, .ok)
            let again = try await post(client, "/api/v1/workflows/once/runs", #"{"n":1}"#, idempotencyKey: "run-1")
            let run = try #require(field(first, "run_id"))
            #expect(field(again, "run_id") == run)
            let runs = try await client.send(.get, "/api/v1/workflows/once/runs")
            let ids = (try JSONSerialization.jsonObject(with: Data(buffer: runs.body)) as? [[String: Any]])?.compactMap {
                $0["id"] as? String
            }
            #expect(ids == [run], "one run only: \(runs.text)")
            let conflict = try await post(client, "/api/v1/workflows/once/runs", #"{"n":2}"#, idempotencyKey: "run-1")
            expectFailure(conflict, .conflict, code: "idempotency_conflict")
        }
    }
}
