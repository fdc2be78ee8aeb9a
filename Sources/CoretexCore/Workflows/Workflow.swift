import CoretexProtocol
import Foundation

/// A workflow definition (docs/workflows.md, "Definitions"), as stored and as served by the API.
///
/// Fields the engine does not use (`config`, `input_schema`, `parameters`) are kept as raw
/// JSON so that saving a definition never loses what a client sent.
public struct Workflow: Codable, Sendable, Equatable {
    public var id: String
    public var orgID: String
    public var teamID: String
    public var name: String
    public var description: String
    public var version: String
    /// Run-level timeout in seconds, counted from the run's start; 0 means none. Enforced: a
    /// run still going when it passes ends `timed_out`.
    public var timeoutSec: Int
    /// Keyed by step id. The key is the step's real id; `WorkflowStep.id` is overwritten with
    /// it when decoding, so a body's stale or missing step `id` cannot disagree with its key.
    public var steps: [String: WorkflowStep]
    public var config: [String: JSONValue]?
    public var inputSchema: JSONValue?
    public var parameters: [JSONValue]?
    public var createdBy: String
    public var createdAt: Date?
    public var updatedAt: Date?

    public init(
        id: String, orgID: String = "", teamID: String = "", name: String = "", description: String = "",
        version: String = "", timeoutSec: Int = 0, steps: [WorkflowStep] = [], createdBy: String = ""
    ) {
        self.id = id
        self.orgID = orgID
        self.teamID = teamID
        self.name = name
        self.description = description
        self.version = version
        self.timeoutSec = timeoutSec
        self.steps = Dictionary(steps.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        self.createdBy = createdBy
    }

    /// The topic a step's jobs go to: its own, else `job.workflow.<workflow id>`.
    public func topic(of step: WorkflowStep) -> String {
        step.topic.isEmpty ? "job.workflow.\(id)" : step.topic
    }

    enum CodingKeys: String, CodingKey {
        case id, name, description, version, steps, config, parameters
        case orgID = "org_id", teamID = "team_id", timeoutSec = "timeout_sec", inputSchema = "input_schema"
        case createdBy = "created_by", createdAt = "created_at", updatedAt = "updated_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(String.self, forKey: .id) ?? ""
        orgID = try c.decodeIfPresent(String.self, forKey: .orgID) ?? ""
        teamID = try c.decodeIfPresent(String.self, forKey: .teamID) ?? ""
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        version = try c.decodeIfPresent(String.self, forKey: .version) ?? ""
        timeoutSec = try c.decodeIfPresent(Int.self, forKey: .timeoutSec) ?? 0
        var steps = try c.decodeIfPresent([String: WorkflowStep].self, forKey: .steps) ?? [:]
        for key in steps.keys { steps[key]?.id = key }
        self.steps = steps
        config = try c.decodeIfPresent([String: JSONValue].self, forKey: .config)
        inputSchema = try c.decodeIfPresent(JSONValue.self, forKey: .inputSchema)
        if inputSchema == .null { inputSchema = nil }
        parameters = try c.decodeIfPresent([JSONValue].self, forKey: .parameters)
        createdBy = try c.decodeIfPresent(String.self, forKey: .createdBy) ?? ""
        createdAt = try c.decodeTimestamp(forKey: .createdAt)
        updatedAt = try c.decodeTimestamp(forKey: .updatedAt)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(orgID, forKey: .orgID)
        try c.encode(teamID, forKey: .teamID)
        try c.encode(name, forKey: .name)
        try c.encode(description, forKey: .description)
        try c.encode(version, forKey: .version)
        try c.encode(timeoutSec, forKey: .timeoutSec)
        try c.encode(steps, forKey: .steps)
        if let config, !config.isEmpty { try c.encode(config, forKey: .config) }
        if let inputSchema, inputSchema != .object([:]) { try c.encode(inputSchema, forKey: .inputSchema) }
        if let parameters, !parameters.isEmpty { try c.encode(parameters, forKey: .parameters) }
        try c.encode(createdBy, forKey: .createdBy)
        try c.encodeTimestamp(createdAt, forKey: .createdAt)
        try c.encodeTimestamp(updatedAt, forKey: .updatedAt)
    }
}

/// One step of a definition (docs/workflows.md, "Definitions"). Empty strings, zero numbers and
/// empty collections mean "not set" and are omitted from the JSON.
public struct WorkflowStep: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var type: StepType
    /// Becomes the job's `adapter_id` and label `worker_id`.
    public var workerID: String
    /// Empty means `job.workflow.<workflow id>` (see `Workflow.topic(of:)`).
    public var topic: String
    public var dependsOn: [String]
    /// Expression; the step is skipped when it is falsy once the dependencies are met.
    public var condition: String
    /// Expression that must give an array (or null, meaning empty): one child job per element.
    public var forEach: String
    /// for_each only: at most this many children running at once; 0 means unlimited.
    public var maxParallel: Int
    /// Payload template; empty means "send the whole run input".
    public var input: [String: JSONValue]
    /// Dotted path into the run's `context` where the step's output is written.
    public var outputPath: String
    /// Stored only; no error handling semantics are implemented.
    public var onError: String
    public var retry: RetryPolicy?
    /// Becomes the job's deadline (`budget.deadline_ms`); 0 means none.
    public var timeoutSec: Int
    public var routeLabels: [String: String]

    public init(
        id: String, name: String = "", type: StepType = .worker, workerID: String = "", topic: String = "",
        dependsOn: [String] = [], condition: String = "", forEach: String = "", maxParallel: Int = 0,
        input: [String: JSONValue] = [:], outputPath: String = "", onError: String = "", retry: RetryPolicy? = nil,
        timeoutSec: Int = 0, routeLabels: [String: String] = [:]
    ) {
        self.id = id
        self.name = name
        self.type = type
        self.workerID = workerID
        self.topic = topic
        self.dependsOn = dependsOn
        self.condition = condition
        self.forEach = forEach
        self.maxParallel = maxParallel
        self.input = input
        self.outputPath = outputPath
        self.onError = onError
        self.retry = retry
        self.timeoutSec = timeoutSec
        self.routeLabels = routeLabels
    }

    public var isForEach: Bool { !forEach.trimmingCharacters(in: .whitespaces).isEmpty }
    public var hasCondition: Bool { !condition.trimmingCharacters(in: .whitespaces).isEmpty }

    enum CodingKeys: String, CodingKey {
        case id, name, type, topic, condition, input, retry
        case workerID = "worker_id", dependsOn = "depends_on", forEach = "for_each", maxParallel = "max_parallel"
        case outputPath = "output_path", onError = "on_error", timeoutSec = "timeout_sec", routeLabels = "route_labels"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(String.self, forKey: .id) ?? ""
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        type = try c.decodeIfPresent(StepType.self, forKey: .type) ?? StepType("")
        workerID = try c.decodeIfPresent(String.self, forKey: .workerID) ?? ""
        topic = try c.decodeIfPresent(String.self, forKey: .topic) ?? ""
        dependsOn = try c.decodeIfPresent([String].self, forKey: .dependsOn) ?? []
        condition = try c.decodeIfPresent(String.self, forKey: .condition) ?? ""
        forEach = try c.decodeIfPresent(String.self, forKey: .forEach) ?? ""
        maxParallel = try c.decodeIfPresent(Int.self, forKey: .maxParallel) ?? 0
        input = try c.decodeIfPresent([String: JSONValue].self, forKey: .input) ?? [:]
        outputPath = try c.decodeIfPresent(String.self, forKey: .outputPath) ?? ""
        onError = try c.decodeIfPresent(String.self, forKey: .onError) ?? ""
        retry = try c.decodeIfPresent(RetryPolicy.self, forKey: .retry)
        timeoutSec = try c.decodeIfPresent(Int.self, forKey: .timeoutSec) ?? 0
        routeLabels = try c.decodeIfPresent([String: String].self, forKey: .routeLabels) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(type, forKey: .type)
        if !workerID.isEmpty { try c.encode(workerID, forKey: .workerID) }
        if !topic.isEmpty { try c.encode(topic, forKey: .topic) }
        if !dependsOn.isEmpty { try c.encode(dependsOn, forKey: .dependsOn) }
        if !condition.isEmpty { try c.encode(condition, forKey: .condition) }
        if !forEach.isEmpty { try c.encode(forEach, forKey: .forEach) }
        if maxParallel != 0 { try c.encode(maxParallel, forKey: .maxParallel) }
        if !input.isEmpty { try c.encode(input, forKey: .input) }
        if !outputPath.isEmpty { try c.encode(outputPath, forKey: .outputPath) }
        if !onError.isEmpty { try c.encode(onError, forKey: .onError) }
        if let retry { try c.encode(retry, forKey: .retry) }
        if timeoutSec != 0 { try c.encode(timeoutSec, forKey: .timeoutSec) }
        if !routeLabels.isEmpty { try c.encode(routeLabels, forKey: .routeLabels) }
    }
}
