import CoretexProtocol
import Foundation

/// One run of a workflow (docs/workflows.md, "Runs"), as stored at `wf:run:<id>` and served
/// by the API.
///
/// for_each children live only in their parent's `children` in memory. The JSON still has
/// them twice, nested and as top-level `steps["<step>[<i>]"]`, because clients read both;
/// encoding writes the flat copies and decoding folds them back (the nested copy wins), so
/// the two can no longer drift apart.
public struct WorkflowRun: Codable, Sendable, Equatable {
    public var id: String
    public var workflowID: String
    public var orgID: String
    public var teamID: String
    /// The start-run body (an object, or nil).
    public var input: JSONValue?
    /// Engine-managed: `steps.<id>.{result_ptr, output}` and `output_path` writes.
    public var context: [String: JSONValue]?
    public var status: RunStatus
    public var startedAt: Date?
    public var completedAt: Date?
    /// Not produced by the engine; kept for clients that set it.
    public var output: JSONValue?
    /// Why the run failed or timed out, with the failing step's id when a step failed it.
    public var error: WorkflowError?
    /// Definition step id → StepRun (children nested, see above).
    public var steps: [String: StepRun]
    public var totalCost: Double
    public var triggeredBy: String
    public var createdAt: Date?
    public var updatedAt: Date?
    public var labels: [String: String]
    public var metadata: [String: String]

    public init(
        id: String, workflowID: String, orgID: String = "", teamID: String = "", input: JSONValue? = nil,
        createdAt: Date? = nil
    ) {
        self.id = id
        self.workflowID = workflowID
        self.orgID = orgID
        self.teamID = teamID
        self.input = input
        self.status = .pending
        self.steps = [:]
        self.totalCost = 0
        self.triggeredBy = ""
        self.createdAt = createdAt
        self.updatedAt = createdAt
        self.labels = [:]
        self.metadata = [:]
    }

    /// Changes the status, checking the transition table in debug builds.
    mutating func move(to target: RunStatus) {
        assert(RunTransitions.allows(from: status, to: target), "run \(id): \(status) → \(target)")
        status = target
    }

    /// A step or for_each child by id (`fan[2]` is looked up in `fan`'s children).
    public func stepRun(_ id: String) -> StepRun? {
        if let step = steps[id] { return step }
        guard let parent = Self.parentID(of: id) else { return nil }
        return steps[parent]?.children[id]
    }

    /// The jobs this run is waiting for (steps and for_each children that are `running`),
    /// sorted: what the reconciler looks up in the JobStore when a result may have been lost.
    public var runningJobIDs: [String] {
        steps.values.flatMap { [$0] + $0.children.values }
            .compactMap { $0.status == .running ? $0.jobID : nil }
            .sorted()
    }

    /// Replaces a step or child by id.
    mutating func setStepRun(_ stepRun: StepRun) {
        if let parent = Self.parentID(of: stepRun.stepID), steps[stepRun.stepID] == nil {
            steps[parent, default: StepRun(stepID: parent)].children[stepRun.stepID] = stepRun
        } else {
            steps[stepRun.stepID] = stepRun
        }
    }

    /// `fan` for `fan[3]`; nil for a plain step id.
    static func parentID(of id: String) -> String? {
        guard let open = id.firstIndex(of: "["), open != id.startIndex else { return nil }
        return String(id[..<open])
    }

    // MARK: Evaluation scope (docs/workflows.md, "Expressions")

    /// The root object expressions and templates see: `input`, `ctx`, `steps` and, for a
    /// for_each child's payload, `item`.
    public func scope(item: JSONValue? = nil) -> JSONValue {
        var root: [String: JSONValue] = [
            "input": input ?? .null,
            "ctx": context.map(JSONValue.object) ?? .null,
            "steps": context?["steps"] ?? .object([:]),
        ]
        if let item { root["item"] = item }
        return .object(root)
    }

    /// Records a finished step's output as `context.steps[id] = {result_ptr, output}`.
    mutating func recordOutput(stepID: String, entry: [String: JSONValue]) {
        var context = self.context ?? [:]
        var stepsValue = context["steps"] ?? .object([:])
        stepsValue.set(.object(entry), atPath: [stepID])
        context["steps"] = stepsValue
        self.context = context
    }

    /// Writes `value` at a dotted `output_path` in the context.
    mutating func writeContext(_ value: JSONValue, atPath path: String) {
        let segments = path.split(separator: ".").map(String.init)
        guard !segments.isEmpty else { return }
        var root = JSONValue.object(context ?? [:])
        root.set(value, atPath: segments)
        if case .object(let o) = root { context = o }
    }

    // MARK: Codable

    enum CodingKeys: String, CodingKey {
        case id, input, context, status, output, error, steps, labels, metadata
        case workflowID = "workflow_id", orgID = "org_id", teamID = "team_id"
        case startedAt = "started_at", completedAt = "completed_at", totalCost = "total_cost"
        case triggeredBy = "triggered_by", createdAt = "created_at", updatedAt = "updated_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(String.self, forKey: .id) ?? ""
        workflowID = try c.decodeIfPresent(String.self, forKey: .workflowID) ?? ""
        orgID = try c.decodeIfPresent(String.self, forKey: .orgID) ?? ""
        teamID = try c.decodeIfPresent(String.self, forKey: .teamID) ?? ""
        input = try c.decodeIfPresent(JSONValue.self, forKey: .input)
        context = try c.decodeIfPresent([String: JSONValue].self, forKey: .context)
        let rawStatus = try c.decodeIfPresent(String.self, forKey: .status) ?? ""
        // The store writes `pending` when the status is empty; reading does the same.
        guard let status = rawStatus.isEmpty ? .pending : RunStatus(rawValue: rawStatus) else {
            throw DecodingError.dataCorruptedError(forKey: .status, in: c, debugDescription: "unknown run status \(rawStatus)")
        }
        self.status = status
        startedAt = try c.decodeTimestamp(forKey: .startedAt)
        completedAt = try c.decodeTimestamp(forKey: .completedAt)
        output = try c.decodeIfPresent(JSONValue.self, forKey: .output)
        error = try c.decodeIfPresent(WorkflowError.self, forKey: .error)
        totalCost = try c.decodeIfPresent(Double.self, forKey: .totalCost) ?? 0
        triggeredBy = try c.decodeIfPresent(String.self, forKey: .triggeredBy) ?? ""
        createdAt = try c.decodeTimestamp(forKey: .createdAt)
        updatedAt = try c.decodeTimestamp(forKey: .updatedAt)
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        metadata = try c.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:]

        // Fold the flat copies of for_each children back into their parents.
        let flat = try c.decodeIfPresent([String: StepRun].self, forKey: .steps) ?? [:]
        var steps = flat.filter { Self.parentID(of: $0.key) == nil || flat[Self.parentID(of: $0.key)!] == nil }
        for (key, child) in flat {
            guard let parent = Self.parentID(of: key), steps[parent] != nil else { continue }
            if steps[parent]?.children[key] == nil { steps[parent]?.children[key] = child }
        }
        self.steps = steps
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(workflowID, forKey: .workflowID)
        try c.encode(orgID, forKey: .orgID)
        try c.encode(teamID, forKey: .teamID)
        try c.encode(input ?? .null, forKey: .input)
        if let context { try c.encode(context, forKey: .context) } else { try c.encodeNil(forKey: .context) }
        try c.encode(status, forKey: .status)
        try c.encodeTimestamp(startedAt, forKey: .startedAt)
        try c.encodeTimestamp(completedAt, forKey: .completedAt)
        try c.encode(output ?? .null, forKey: .output)
        if let error { try c.encode(error, forKey: .error) } else { try c.encodeNil(forKey: .error) }
        var flat = steps
        for step in steps.values {
            for (childID, child) in step.children where flat[childID] == nil { flat[childID] = child }
        }
        try c.encode(flat, forKey: .steps)
        try c.encode(totalCost, forKey: .totalCost)
        try c.encode(triggeredBy, forKey: .triggeredBy)
        try c.encodeTimestamp(createdAt, forKey: .createdAt)
        try c.encodeTimestamp(updatedAt, forKey: .updatedAt)
        if !labels.isEmpty { try c.encode(labels, forKey: .labels) }
        if !metadata.isEmpty { try c.encode(metadata, forKey: .metadata) }
    }
}
