import CoretexCore
import CoretexProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CoretexGateway

/// The gateway's refusals, through the real router and middlewares in process: each 4xx has
/// its status and the JSON error body `{"error", "code"}` (docs/http-api.md, "Errors").
struct GatewayRouteTests {
    // MARK: Authentication (AuthMiddleware)

    @Test func aMissingOrWrongKeyIs401OnEveryAPIPath() async throws {
        try await GatewayFixture.test(configure: { $0.apiKey = GatewayFixture.apiKey }) { _, client in
            for key: String? in [nil, "wrong", "test-key-and-more", ""] {
                for (method, uri) in [
                    (HTTPRequest.Method.get, "/api/v1/jobs"), (.get, "/api/v1/no-such-route"),
                    (.get, "/api/v1/dlq"), (.get, "/api/v1/memory"),
                ] {
                    let response = try await client.send(method, uri, key: key)
                    expectFailure(response, .unauthorized, code: "unauthorized", message: "unauthorized")
                }
                // Checked before the body is read: an unauthenticated caller learns nothing about it.
                let submit = try await client.send(.post, "/api/v1/jobs", json: "{not json", key: key)
                expectFailure(submit, .unauthorized, code: "unauthorized", message: "unauthorized")
            }
            expectFailure(try await client.send(.get, "/api/v1/jobs?api_key=wrong"), .unauthorized, code: "unauthorized")
        }
    }

    @Test func theRightKeyInTheHeaderOrTheQueryPassesAndProbesNeedNone() async throws {
        try await GatewayFixture.test(configure: { $0.apiKey = GatewayFixture.apiKey }) { _, client in
            expectStatus(try await client.send(.get, "/api/v1/jobs", key: "test-key"), .ok)
            // Quoted or padded the way `.env` files write it, the key is the same key.
            expectStatus(try await client.send(.get, "/api/v1/jobs", key: #" "test-key" "#), .ok)
            expectStatus(try await client.send(.get, "/api/v1/jobs?api_key=test-key"), .ok)
            expectStatus(try await client.send(.get, "/health"), .ok)
            expectStatus(try await client.send(.get, "/ready"), .ok)
        }
    }

    // MARK: Not found

    @Test func anUnknownRouteIs404() async throws {
        try await GatewayFixture.test { _, client in
            for uri in ["/api/v1/no-such-route", "/nothing", "/api/v2/jobs", "/api/v1/jobs/a/b/c"] {
                expectFailure(try await client.send(.get, uri), .notFound, code: "not_found", message: "no such route")
            }
        }
    }

    /// Hummingbird's router answers a method a path does not serve as it answers an unknown
    /// path: 404, not 405.
    @Test func aMethodThePathDoesNotServeIs404() async throws {
        try await GatewayFixture.test { _, client in
            for (method, uri) in [(HTTPRequest.Method.delete, "/api/v1/jobs"), (.put, "/api/v1/jobs/j1"), (.get, "/api/v1/dlq/j1/retry")] {
                expectFailure(try await client.send(method, uri), .notFound, code: "not_found", message: "no such route")
            }
        }
    }

    @Test func anUnknownJobIs404AndCancellingItCreatesNothing() async throws {
        try await GatewayFixture.test { _, client in
            let get = try await client.send(.get, "/api/v1/jobs/no-such-job")
            expectFailure(get, .notFound, code: "not_found", message: "job not found")
            let cancel = try await client.send(.post, "/api/v1/jobs/no-such-job/cancel")
            expectFailure(cancel, .notFound, code: "not_found", message: "job not found")
            expectFailure(try await client.send(.get, "/api/v1/jobs/no-such-job"), .notFound, code: "not_found")
        }
    }

    @Test func anUnknownDeadLetterEntryIs404() async throws {
        try await GatewayFixture.test { _, client in
            let delete = try await client.send(.delete, "/api/v1/dlq/no-such-job")
            expectFailure(delete, .notFound, code: "not_found", message: "dlq entry not found")
            let retry = try await client.send(.post, "/api/v1/dlq/no-such-job/retry")
            expectFailure(retry, .notFound, code: "not_found", message: "dlq entry not found")
        }
    }

    // MARK: Bodies

    @Test func aBodyOverTheLimitIs413OnEveryRouteThatReadsOne() async throws {
        try await GatewayFixture.test(configure: { $0.maxBodyBytes = 1024 }) { _, client in
            let big = jsonBody(["topic": "job.echo", "prompt": String(repeating: "x", count: 4096)])
            for uri in [
                "/api/v1/jobs", "/api/v1/repo-review", "/api/v1/workflows", "/api/v1/workflows/wf/runs",
                "/api/v1/workflows/wf/runs/r/steps/s/approve",
            ] {
                expectFailure(
                    try await client.send(.post, uri, json: big), .contentTooLarge, code: "body_too_large",
                    message: "request body too large")
            }
            // At the limit is still read (and then judged on its content).
            let atLimit = jsonBody(["topic": "job.nobody", "prompt": String(repeating: "x", count: 900)])
            #expect(atLimit.utf8.count <= 1024)
            expectFailure(try await client.send(.post, "/api/v1/jobs", json: atLimit), .badRequest, code: "unknown_topic")
        }
    }

    @Test func invalidJSONIs400AndSaysWhereItFailed() async throws {
        try await GatewayFixture.test { _, client in
            let cases: [(String, String?)] = [
                (#"{"prompt": 5}"#, "invalid json: expected String at prompt"),
                (#"{"prompt": "x", "labels": {"team": 1}}"#, "invalid json: expected String at labels.team"),
                (#"{"prompt": "x", "tags": ["a", false]}"#, "invalid json: expected String at tags.[1]"),
                (#"{"prompt": "x", "max_input_tokens": "many"}"#, "invalid json: expected Int32 at max_input_tokens"),
                (#"{"topic": "job.echo", "prompt": "#, nil),
                ("not json at all", nil),
                ("", nil),
            ]
            for (body, message) in cases {
                let response = try await client.send(.post, "/api/v1/jobs", json: body)
                expectFailure(response, .badRequest, code: "invalid_json", message: message)
                #expect(response.apiError?.error.hasPrefix("invalid json") == true, "\(body)")
            }
            // Nothing was recorded for any of them.
            let list = try await client.send(.get, "/api/v1/jobs")
            #expect(try JSONDecoder().decode(JobList.self, from: Data(buffer: list.body)).items.isEmpty)
        }
    }

    // MARK: Rate limit (RateLimitMiddleware)

    @Test func aClientOverItsBudgetIs429WithRetryAfterAndOthersKeepTheirs() async throws {
        try await GatewayFixture.test(configure: {
            $0.rateLimitRPS = 1; $0.rateLimitBurst = 2
        }) { _, client in
            // The burst passes; the bucket refills one token a second, far slower than these requests.
            expectStatus(try await client.send(.get, "/api/v1/dlq", key: "a"), .ok)
            var limited: TestResponse?
            for _ in 0..<20 {
                let response = try await client.send(.get, "/api/v1/dlq", key: "a")
                if response.status != .ok { limited = response; break }
            }
            guard let limited else {
                Issue.record("20 requests over a burst of 2 were never limited")
                return
            }
            expectFailure(limited, .tooManyRequests, code: "rate_limited", message: "rate limited")
            #expect(limited.headers[.retryAfter] == "1")
            // Another client key has its own bucket; probes are never limited.
            expectStatus(try await client.send(.get, "/api/v1/dlq", key: "b"), .ok)
            expectStatus(try await client.send(.get, "/health", key: "a"), .ok)
        }
    }

    // MARK: Stream

    @Test func theStreamRouteWithoutAnUpgradeIs400() async throws {
        try await GatewayFixture.test { _, client in
            let response = try await client.send(.get, "/api/v1/stream")
            expectFailure(
                response, .badRequest, code: "websocket_required",
                message: "this route is a WebSocket: connect with an Upgrade request")
        }
    }

    // MARK: Memory

    @Test func memoryRequestsWithBadPointersAre400() async throws {
        try await GatewayFixture.test { _, client in
            let cases: [(String, String, String)] = [
                ("/api/v1/memory", "missing_pointer", "missing ptr or key"),
                ("/api/v1/memory?ptr=&key=%20", "missing_pointer", "missing ptr or key"),
                ("/api/v1/memory?ptr=nope", "invalid_pointer", "invalid pointer"),
                ("/api/v1/memory?ptr=redis://", "invalid_pointer", "invalid pointer"),
                ("/api/v1/memory?key=redis://", "invalid_pointer", "invalid key pointer"),
                ("/api/v1/memory?key=other:x", "unsupported_key", "unsupported pointer key (only ctx:*, res:*, or mem:*)"),
                ("/api/v1/memory?ptr=redis://job:x", "unsupported_key", "unsupported pointer key (only ctx:*, res:*, or mem:*)"),
            ]
            for (uri, code, message) in cases {
                expectFailure(try await client.send(.get, uri), .badRequest, code: code, message: message)
            }
        }
    }

    @Test func memoryThatIsNotThereIs404AndAnUnsupportedTypeIs400() async throws {
        try await GatewayFixture.test { fixture, client in
            for uri in [
                "/api/v1/memory?ptr=redis://ctx:no-such-job", "/api/v1/memory?key=res:no-such-job",
                "/api/v1/memory?key=mem:nothing",
            ] {
                expectFailure(try await client.send(.get, uri), .notFound, code: "not_found", message: "not found")
            }
            _ = try await fixture.connections.redis.command("ZADD", "mem:sorted", "1", "a")
            expectFailure(
                try await client.send(.get, "/api/v1/memory?key=mem:sorted"), .badRequest,
                code: "unsupported_type", message: "unsupported redis key type: zset")
        }
    }
}
