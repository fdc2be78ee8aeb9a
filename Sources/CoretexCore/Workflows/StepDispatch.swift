import CoretexProtocol
import Foundation

/// Everything the engine needs to publish one step job (docs/workflows.md, "Step jobs"),
/// worked out purely from the definition and the run. The engine adds what needs I/O: it
/// stores `payload` at `ctx:<job id>` (`context_ptr`), adds `CORETEX_EFFECTIVE_CONFIG` to the
/// env, and publishes on `sys.job.submit` with trace id = run id and sender `workflow-engine`.
public struct StepDispatch: Sendable, Equatable {
    public var jobID: WorkflowJobID
    public var topic: String
    /// The rendered step input (or the run input); stored as the job's context.
    public var payload: JSONValue
    /// for_each children: the element.
    public var item: JSONValue?
    /// `adapter_id`; nil when the step names no worker.
    public var adapterID: String?
    /// `budget.deadline_ms`; nil when the step has no timeout.
    public var deadlineMs: Int64?
    public var priority: Coretex_Agent_V1_JobPriority
    public var memoryID: String
    public var contextMode: String
    public var tenantID: String
    public var workflowID: String
    public var env: [String: String]
    public var labels: [String: String]

    /// The run id: every job of a run shares it as its trace id.
    public var traceID: String { jobID.runID }
    public var jobIDString: String { jobID.description }

    init(jobID: WorkflowJobID, step: WorkflowStep, workflow: Workflow, run: WorkflowRun, payload: JSONValue, item: JSONValue?) {
        self.jobID = jobID
        self.topic = workflow.topic(of: step)
        self.payload = payload
        self.item = item
        self.adapterID = step.workerID.isEmpty ? nil : step.workerID
        self.deadlineMs = step.timeoutSec > 0 ? Int64(step.timeoutSec) * 1000 : nil
        self.priority = Self.priority(runInput: run.input)
        self.memoryID = Self.memoryID(runInput: run.input, runID: run.id)
        self.contextMode = Self.contextMode(runInput: run.input, topic: topic)
        self.tenantID = run.orgID
        self.workflowID = workflow.id

        var env = [
            "workflow_id": workflow.id, "run_id": run.id, "step_id": step.id, "tenant_id": run.orgID,
            "team_id": run.teamID, "memory_id": memoryID, "context_mode": contextMode,
        ]
        if let index = jobID.index {
            env["foreach_index"] = String(index)
            env["foreach_item"] = (item ?? .null).jsonText
        }
        self.env = env

        var labels = ["workflow_id": workflow.id, "run_id": run.id, "step_id": step.id]
        if !step.workerID.isEmpty { labels["worker_id"] = step.workerID }
        labels.merge(step.routeLabels) { _, route in route }
        self.labels = labels
    }

    /// `run.input.priority` (case-insensitive `critical`, `interactive`, `batch`); workflow
    /// jobs default to batch.
    static func priority(runInput: JSONValue?) -> Coretex_Agent_V1_JobPriority {
        switch runInput?["priority"]?.stringValue?.lowercased() {
        case "critical": .critical
        case "interactive": .interactive
        default: .batch
        }
    }

    /// `run.input.memory_id` (trimmed) or `run:<run id>`.
    static func memoryID(runInput: JSONValue?, runID: String) -> String {
        let given = runInput?["memory_id"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return given.isEmpty ? "run:\(runID)" : given
    }

    /// `run.input.context_mode` when given, else by topic: `job.chat*` → chat,
    /// `job.code*` and `job.workflow.repo*` → rag, anything else → raw.
    static func contextMode(runInput: JSONValue?, topic: String) -> String {
        if let given = runInput?["context_mode"]?.stringValue, !given.isEmpty { return given }
        return TopicFamily(topic: topic).contextMode
    }

    /// The payload of a step job (docs/workflows.md, "Templates"): the rendered `input` when the
    /// step has one, else the whole run input; for a child, `item` is added unless the payload
    /// already has it.
    static func payload(step: WorkflowStep, run: WorkflowRun, item: JSONValue?) throws(TemplateError) -> JSONValue {
        var payload =
            step.input.isEmpty
            ? (run.input ?? .null)
            : try StepTemplate.render(.object(step.input), in: run.scope(item: item))
        if let item {
            switch payload {
            case .object(var fields) where fields["item"] == nil:
                fields["item"] = item
                payload = .object(fields)
            case .null:
                payload = .object(["item": item])
            default:
                break
            }
        }
        return payload
    }
}
