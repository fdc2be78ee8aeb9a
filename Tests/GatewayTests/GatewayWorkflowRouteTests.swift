import CoretexCore
import CoretexProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CoretexGateway

/// The workflow routes' refusals: 400 for definitions `WorkflowValidation` rejects and for bad
/// bodies, 404 for workflows, runs and steps that do not exist.
struct GatewayWorkflowRouteTests {
    /// `{"id":"wf","steps":{…}}` with the given steps.
    static func workflow(_ steps: String, extra: String = "") -> String { #"{"id": "wf", \#(extra) "steps": {\#(steps)}}"# }

    static var invalidDefinitions: [(body: String, message: String)] {
        [
            (
                #"{"id": "all", "steps": {}}"#,
                #"workflow: invalid workflow id "all": must not be "all", start with "status:", or contain whitespace"#
            ),
            (
                #"{"id": "two words", "steps": {}}"#,
                #"workflow: invalid workflow id "two words": must not be "all", start with "status:", or contain whitespace"#
            ),
            (workflow("", extra: #""timeout_sec": -1,"#), "workflow: timeout_sec must not be negative (got -1)"),
            (workflow(#""a": {"topic": "job.echo", "depends_on": ["zz"]}"#), #"step "a": depends on unknown step "zz""#),
            (workflow(#""a": {"topic": "job.echo", "depends_on": ["a"]}"#), #"step "a": depends on itself"#),
            (
                workflow(#""a": {"topic": "job.echo", "depends_on": ["b"]}, "b": {"topic": "job.echo", "depends_on": ["a"]}"#),
                #"step "a": dependency cycle: a → b → a"#
            ),
            (workflow(#""a": {"topic": "job.nobody"}"#), #"step "a": no worker pool serves topic "job.nobody""#),
            (workflow(#""a": {"topic": "sys.job"}"#), #"step "a": topic "sys.job" must start with "job.""#),
            (workflow(#""a.b": {"topic": "job.echo"}"#), #"step "a.b": invalid step id: "a.b" contains '.'"#),
            (workflow(#""a": {"topic": "job.echo", "max_parallel": -2}"#), #"step "a": max_parallel must not be negative (got -2)"#),
            (
                workflow(#""a": {"topic": "job.echo", "output_path": "steps.x"}"#),
                #"step "a": invalid output_path: "steps.x" would overwrite context.steps"#
            ),
            (
                workflow(#""a": {"topic": "job.echo", "retry": {"max_retries": -1}}"#),
                #"step "a": invalid retry: max_retries must not be negative"#
            ),
            (workflow(#""a": {"type": "approval", "for_each": "input.items"}"#), #"step "a": an approval step cannot have for_each"#),
        ]
    }

    @Test func anInvalidDefinitionIs400AndSaysWhatIsWrongWhere() async throws {
        try await GatewayFixture.test { _, client in
            for (body, message) in Self.invalidDefinitions {
                let response = try await client.send(.post, "/api/v1/workflows", json: body)
                expectFailure(response, .badRequest, code: "invalid_workflow", message: "invalid workflow: \(message)")
            }
            let unknownType = try await client.send(.post, "/api/v1/workflows", json: Self.workflow(#""a": {"type": "teleport"}"#))
            expectFailure(unknownType, .badRequest, code: "invalid_workflow")
            #expect(unknownType.apiError?.error.hasPrefix(#"invalid workflow: step "a": unknown step type "teleport" (known: "#) == true)
            let condition = Self.workflow(#""a": {"topic": "job.echo", "condition": "(("}"#)
            let broken = try await client.send(.post, "/api/v1/workflows", json: condition)
            expectFailure(broken, .badRequest, code: "invalid_workflow")
            #expect(broken.apiError?.error.hasPrefix(#"invalid workflow: step "a": condition: "#) == true)
            // None of them was saved.
            let list = try await client.send(.get, "/api/v1/workflows")
            #expect(try JSONDecoder().decode([Workflow].self, from: Data(buffer: list.body)).isEmpty)
        }
    }

    @Test func aDefinitionThatIsNotJSONIs400() async throws {
        try await GatewayFixture.test { _, client in
            let cases: [(String, String?)] = [
                (#"{"id": "wf", "steps": []}"#, nil),
                (#"{"id": "wf", "timeout_sec": "soon"}"#, "invalid json: expected Int at timeout_sec"),
                (#"{"id": "wf", "steps": {"a": {"depends_on": "b"}}}"#, "invalid json: expected Array<Any> at steps.a.depends_on"),
                ("{", nil),
            ]
            for (body, message) in cases {
                let response = try await client.send(.post, "/api/v1/workflows", json: body)
                expectFailure(response, .badRequest, code: "invalid_json", message: message)
            }
        }
    }

    @Test func unknownWorkflowsRunsAndStepsAre404() async throws {
        try await GatewayFixture.test { _, client in
            expectFailure(
                try await client.send(.get, "/api/v1/workflows/nope"), .notFound, code: "not_found",
                message: "workflow nope not found")
            expectFailure(
                try await client.send(.post, "/api/v1/workflows/nope/runs"), .notFound, code: "not_found",
                message: "workflow nope not found")
            expectFailure(
                try await client.send(.get, "/api/v1/workflow-runs/nope"), .notFound, code: "not_found",
                message: "workflow run nope not found")
            let approve = try await client.send(.post, "/api/v1/workflows/wf/runs/nope/steps/a/approve", json: #"{"approved": true}"#)
            expectFailure(approve, .notFound, code: "not_found", message: "workflow run not found")
            expectFailure(
                try await client.send(.post, "/api/v1/workflows/wf/runs/nope/cancel"), .notFound, code: "not_found",
                message: "workflow run not found")
        }
    }

    @Test func aRunInputThatIsNotAJSONObjectIs400() async throws {
        try await GatewayFixture.test { _, client in
            let saved = try await client.send(.post, "/api/v1/workflows", json: Self.workflow(#""gate": {"type": "approval"}"#))
            #expect(saved.status == .created, "\(saved.text)")
            let notJSON = try await client.send(.post, "/api/v1/workflows/wf/runs", json: "{name: ann}")
            expectFailure(notJSON, .badRequest, code: "invalid_json", message: "invalid json: the run input must be a JSON object")
            for input in ["[1, 2]", #""text""#, "42"] {
                let response = try await client.send(.post, "/api/v1/workflows/wf/runs", json: input)
                expectFailure(response, .badRequest, code: "invalid_input", message: "the run input must be a JSON object")
            }
            // Checked before the workflow is looked up.
            expectFailure(try await client.send(.post, "/api/v1/workflows/nope/runs", json: "[]"), .badRequest, code: "invalid_input")
            let runs = try await client.send(.get, "/api/v1/workflows/wf/runs")
            #expect(try JSONDecoder().decode([WorkflowRun].self, from: Data(buffer: runs.body)).isEmpty)
        }
    }

    @Test func anApprovalDecisionMustBeJSONSayingApproved() async throws {
        try await GatewayFixture.test { _, client in
            let uri = "/api/v1/workflows/wf/runs/r/steps/gate/approve"
            let cases: [(String, String?)] = [
                ("{}", "invalid json: missing key approved"),
                (#"{"approved": "yes"}"#, "invalid json: expected Bool at approved"),
                ("", nil),
                ("yes", nil),
            ]
            for (body, message) in cases {
                expectFailure(try await client.send(.post, uri, json: body), .badRequest, code: "invalid_json", message: message)
            }
        }
    }
}
