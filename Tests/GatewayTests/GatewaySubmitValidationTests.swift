import CoretexProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CoretexGateway

/// `POST /api/v1/jobs` and `POST /api/v1/repo-review` refuse each invalid body with 400, a
/// stable code and message, and record nothing (JobSubmission, Gateway.repoReviewJob).
struct GatewaySubmitValidationTests {
    static let memoryMessage = "memory_id may only contain letters, digits and : _ . - (at most 128 characters)"

    static var submitCases: [(body: [String: Any], code: String, message: String)] {
        [
            (["topic": "job.echo"], "missing_prompt", "prompt is required"),
            (["topic": "job.echo", "prompt": ""], "missing_prompt", "prompt is required"),
            (
                ["topic": "job.echo", "prompt": String(repeating: "x", count: 100_001)], "prompt_too_long",
                "prompt too long (>100000 bytes)"
            ),
            // Bytes, not characters: 50 001 two-byte characters are over the limit.
            (
                ["topic": "job.echo", "prompt": String(repeating: "é", count: 50_001)], "prompt_too_long",
                "prompt too long (>100000 bytes)"
            ),
            (["topic": "sys.job.submit", "prompt": "x"], "invalid_topic", "topic must start with job."),
            (["topic": "job.", "prompt": "x"], "invalid_topic", "topic must start with job."),
            (["topic": "job.echo", "prompt": "x", "max_input_tokens": -1], "invalid_tokens", "token limits must be non-negative"),
            (["topic": "job.echo", "prompt": "x", "max_output_tokens": -1], "invalid_tokens", "token limits must be non-negative"),
            (["topic": "job.echo", "prompt": "x", "max_total_tokens": -5], "invalid_tokens", "token limits must be non-negative"),
            (["topic": "job.echo", "prompt": "x", "deadline_ms": -1], "invalid_deadline", "deadline_ms must be non-negative"),
            (["topic": "job.echo", "prompt": "x", "tags": (0...50).map { "t\($0)" }], "too_many_tags", "too many tags (max 50)"),
            (
                ["topic": "job.echo", "prompt": "x", "labels": Dictionary(uniqueKeysWithValues: (0...50).map { ("k\($0)", "v") })],
                "too_many_labels", "too many labels (max 50)"
            ),
            (
                ["topic": "job.echo", "prompt": "x", "priority": "urgent"], "invalid_priority",
                "priority must be interactive, batch or critical"
            ),
            (
                ["topic": "job.echo", "prompt": "x", "context_mode": "telepathy"], "invalid_context_mode",
                "context_mode must be chat, rag or raw"
            ),
            (["topic": "job.echo", "prompt": "x", "memory_id": "has space"], "invalid_memory_id", memoryMessage),
            (["topic": "job.echo", "prompt": "x", "memory_id": "a/b"], "invalid_memory_id", memoryMessage),
            (
                ["topic": "job.echo", "prompt": "x", "memory_id": String(repeating: "m", count: 129)], "invalid_memory_id",
                memoryMessage
            ),
            (
                ["topic": "job.nobody.serves", "prompt": "x"], "unknown_topic",
                #"no pool serves topic "job.nobody.serves" (see pools.yaml)"#
            ),
            // Without a topic the job is `job.chat.simple`, which no pool of this gateway serves.
            (["prompt": "x"], "unknown_topic", #"no pool serves topic "job.chat.simple" (see pools.yaml)"#),
            // The first failure wins, in a fixed order.
            (["topic": "sys.x", "priority": "urgent"], "missing_prompt", "prompt is required"),
            (
                ["topic": "job.echo", "prompt": "x", "priority": "urgent", "memory_id": "bad id"], "invalid_priority",
                "priority must be interactive, batch or critical"
            ),
        ]
    }

    @Test func eachInvalidSubmissionIs400WithItsCodeAndNothingIsRecorded() async throws {
        try await GatewayFixture.test { _, client in
            for (body, code, message) in Self.submitCases {
                let response = try await client.send(.post, "/api/v1/jobs", json: jsonBody(body))
                expectFailure(response, .badRequest, code: code, message: message)
            }
            let list = try await client.send(.get, "/api/v1/jobs")
            #expect(try JSONDecoder().decode(JobList.self, from: Data(buffer: list.body)).items.isEmpty)
            // The same route accepts a valid body: the refusals above were about their content.
            let accepted = try await client.send(.post, "/api/v1/jobs", json: #"{"topic": "job.echo", "prompt": "x"}"#)
            #expect(accepted.status == .ok, "\(accepted.text)")
            #expect(try JSONDecoder().decode(SubmitJobResponse.self, from: Data(buffer: accepted.body)).jobID.isEmpty == false)
        }
    }

    @Test func limitsAtTheEdgeAreAccepted() async throws {
        try await GatewayFixture.test { _, client in
            let body = jsonBody([
                "topic": "job.echo", "prompt": String(repeating: "x", count: 100_000),
                "tags": (0..<50).map { "t\($0)" }, "labels": Dictionary(uniqueKeysWithValues: (0..<50).map { ("k\($0)", "v") }),
                "memory_id": String(repeating: "m", count: 128), "max_input_tokens": 0, "deadline_ms": 0,
                "priority": "BATCH", "context_mode": "RAG",
            ])
            let response = try await client.send(.post, "/api/v1/jobs", json: body)
            #expect(response.status == .ok, "\(response.text)")
        }
    }

    static var repoReviewCases: [(body: String, code: String, message: String)] {
        [
            ("{}", "missing_repo", "repo_url or local_path required"),
            (#"{"repo_url": "  ", "local_path": ""}"#, "missing_repo", "repo_url or local_path required"),
            (
                #"{"repo_url": "https://example.com/r.git", "local_path": "/tmp/r"}"#, "ambiguous_repo",
                "give repo_url or local_path, not both"
            ),
            (#"{"local_path": "/tmp/r", "max_files": -1}"#, "invalid_limits", "limits must be non-negative"),
            (#"{"local_path": "/tmp/r", "batch_size": -1}"#, "invalid_limits", "limits must be non-negative"),
            (#"{"local_path": "/tmp/r", "max_batches": -1}"#, "invalid_limits", "limits must be non-negative"),
            (#"{"local_path": "/tmp/r", "priority": "soon"}"#, "invalid_priority", "priority must be interactive, batch or critical"),
            (#"{"local_path": "/tmp/r", "memory_id": "no spaces"}"#, "invalid_memory_id", memoryMessage),
            (#"{"local_path": 7}"#, "invalid_json", "invalid json: expected String at local_path"),
            (
                #"{"local_path": "/tmp/r", "include_globs": "*.swift"}"#, "invalid_json",
                "invalid json: expected Array<Any> at include_globs"
            ),
        ]
    }

    @Test func eachInvalidRepoReviewIs400WithItsCode() async throws {
        try await GatewayFixture.test { _, client in
            for (body, code, message) in Self.repoReviewCases {
                let response = try await client.send(.post, "/api/v1/repo-review", json: body)
                expectFailure(response, .badRequest, code: code, message: message)
            }
            expectFailure(try await client.send(.post, "/api/v1/repo-review", json: "{"), .badRequest, code: "invalid_json")
            let list = try await client.send(.get, "/api/v1/jobs")
            #expect(try JSONDecoder().decode(JobList.self, from: Data(buffer: list.body)).items.isEmpty)
        }
    }
}
