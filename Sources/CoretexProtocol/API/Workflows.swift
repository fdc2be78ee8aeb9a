/// `POST /api/v1/workflows` response (201).
public struct CreateWorkflowResponse: Codable, Sendable, Equatable {
    public var id: String
    public init(id: String) { self.id = id }
}

/// `POST /api/v1/workflows/{id}/runs` response.
public struct StartRunResponse: Codable, Sendable, Equatable {
    public var runID: String
    public init(runID: String) { self.runID = runID }
    enum CodingKeys: String, CodingKey { case runID = "run_id" }
}

/// One step waiting for a human, as `GET /api/v1/approvals` lists it (the console's inbox).
public struct PendingApproval: Codable, Sendable, Equatable {
    public var workflowID: String
    public var workflowName: String
    public var runID: String
    public var stepID: String
    public var stepName: String
    /// RFC 3339; when the step started waiting.
    public var waitingSince: String?
    public var runInput: JSONValue?

    public init(
        workflowID: String, workflowName: String, runID: String, stepID: String, stepName: String,
        waitingSince: String?, runInput: JSONValue?
    ) {
        self.workflowID = workflowID
        self.workflowName = workflowName
        self.runID = runID
        self.stepID = stepID
        self.stepName = stepName
        self.waitingSince = waitingSince
        self.runInput = runInput
    }

    enum CodingKeys: String, CodingKey {
        case workflowID = "workflow_id", workflowName = "workflow_name", runID = "run_id", stepID = "step_id"
        case stepName = "step_name", waitingSince = "waiting_since", runInput = "run_input"
    }
}
