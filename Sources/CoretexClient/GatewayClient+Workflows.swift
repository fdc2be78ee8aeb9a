import CoretexCore
import CoretexProtocol
import Foundation

extension GatewayClient {
    /// Saves a definition given as JSON (validated by the gateway); returns its id.
    public func saveWorkflow(json: Data) async throws -> String {
        let response: CreateWorkflowResponse = try decode(try await raw("POST", "/api/v1/workflows", query: [], body: json))
        return response.id
    }

    public func workflows() async throws -> [Workflow] { try await send("GET", "/api/v1/workflows") }

    public func workflow(_ id: String) async throws -> Workflow {
        try await naming("workflow \(id)") { try await send("GET", "/api/v1/workflows/\(Self.segment(id))") }
    }

    /// Starts a run; with `idempotencyKey`, a repeat within 24 h answers with the first run.
    public func startRun(workflow id: String, input: JSONValue?, idempotencyKey: String? = nil) async throws -> String {
        let body = try input.map { try JSONEncoder().encode($0) }
        let response: StartRunResponse = try await naming("workflow \(id)") {
            try decode(
                try await raw(
                    "POST", "/api/v1/workflows/\(Self.segment(id))/runs", query: [], body: body,
                    headers: Self.idempotency(idempotencyKey)))
        }
        return response.runID
    }

    /// Runs of one workflow, or of every workflow; optionally only those in one status.
    public func runs(workflow id: String? = nil, status: RunStatus? = nil, limit: Int = 100) async throws -> [WorkflowRun] {
        if let id {
            let runs: [WorkflowRun] = try await send("GET", "/api/v1/workflows/\(Self.segment(id))/runs", query: [("limit", String(limit))])
            return status.map { s in runs.filter { $0.status == s } } ?? runs
        }
        var query = [("limit", String(limit))]
        if let status { query.append(("status", status.rawValue)) }
        return try await send("GET", "/api/v1/workflow-runs", query: query)
    }

    public func run(_ id: String) async throws -> WorkflowRun {
        try await naming("workflow run \(id)") { try await send("GET", "/api/v1/workflow-runs/\(Self.segment(id))") }
    }

    public func cancelRun(_ run: WorkflowRun) async throws {
        _ = try await raw(
            "POST", "/api/v1/workflows/\(Self.segment(run.workflowID))/runs/\(Self.segment(run.id))/cancel", query: [], body: nil)
    }

    public func decide(_ run: WorkflowRun, step: String, _ decision: ApprovalDecision) async throws {
        let path = "/api/v1/workflows/\(Self.segment(run.workflowID))/runs/\(Self.segment(run.id))/steps/\(Self.segment(step))/approve"
        _ = try await raw("POST", path, query: [], body: try JSONEncoder().encode(decision))
    }

    public func approvals() async throws -> [PendingApproval] { try await send("GET", "/api/v1/approvals") }
}
