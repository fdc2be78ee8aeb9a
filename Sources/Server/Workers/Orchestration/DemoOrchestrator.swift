import CoretexCore
import CoretexProtocol
import Foundation

/// `job.workflow.demo` ("code_review_demo"): a patch from `job.code.llm`, then an explanation
/// of that patch from `job.chat.simple` (docs/workflows.md, "code_review_demo").
///
/// Children go through the bus as real jobs in the parent's trace. Steps run in dependency
/// order (`depends_on`), the explain step gets the patch as well as the instruction, and the
/// timeouts are `workflows.code_review_demo` in
/// `config/timeouts.yaml`. With `USE_PLANNER=true` the plan comes from a `job.workflow.plan`
/// child; otherwise it is the planner's fixed demo plan.
public struct DemoOrchestrator: JobHandler {
    /// `workflows.code_review_demo` of the timeouts file.
    public static func limits(_ config: TimeoutConfig) -> WorkflowLimits {
        WorkflowLimits(
            config, workflow: "code_review_demo",
            defaults: WorkflowLimits(childTimeoutSeconds: 180, totalTimeoutSeconds: 600, maxRetries: 1))
    }

    let children: ChildJobs
    let limits: WorkflowLimits
    let plannerTopic: String?

    package init(children: ChildJobs, limits: WorkflowLimits, plannerTopic: String?) {
        self.children = children
        self.limits = limits
        self.plannerTopic = plannerTopic
    }

    public func handle(_ job: JobInput) async throws -> Data {
        let task = CodeTask.parse(job.context ?? Data())
        guard !task.instruction.isEmpty || !task.code.isEmpty else {
            throw JobFailure("the demo workflow needs file_path, code_snippet and instruction (or a prompt)")
        }
        let workflowID = [job.request.workflowID, job.request.parentJobID].first { !$0.isEmpty } ?? job.id
        return try await withDeadline(ms: Int64(limits.totalTimeoutSeconds) * 1000) {
            try await run(task, workflowID: workflowID, job: job)
        }
    }

    private func run(_ task: CodeTask, workflowID: String, job: JobInput) async throws -> Data {
        var ran: [ChildRecord] = []
        let steps = try Self.ordered(try await plan(task, workflowID: workflowID, job: job, ran: &ran))
        var patch: JSONValue?
        var explanation = ""
        for (index, step) in steps.enumerated() {
            var context = Self.childContext(task, workflowID: workflowID, index: index)
            if step.topic == "job.chat.simple" {
                guard let patch else { throw JobFailure("plan step \(step.id) explains a patch, but no step before it made one") }
                context["patch"] = patch
                context["prompt"] = .string(Self.explainPrompt(task, patch: patch))
            }
            let child = try await children.run(
                step: step.id, topic: step.topic, context: .object(context), parent: job,
                timeoutSeconds: limits.childTimeoutSeconds, retries: limits.maxRetries)
            ran.append(ChildRecord(step: step.id, topic: step.topic, job_id: child.id))
            switch step.topic {
            case "job.code.llm": patch = child.result ?? .null
            default:
                explanation =
                    child.result?["response"]?.stringValue
                    ?? child.result.flatMap { try? String(decoding: JSONEncoder.sorted.encode($0), as: UTF8.self) } ?? ""
            }
        }

        struct Body: Encodable {
            var file_path: String
            var original_code: String
            var instruction: String
            var patch: JSONValue
            var explanation: String
            var workflow_id: String
            var children: [ChildRecord]
        }
        return try JSONEncoder.sorted.encode(
            Body(
                file_path: task.filePath, original_code: task.code, instruction: task.instruction,
                patch: patch?["patch"] ?? .null, explanation: explanation, workflow_id: workflowID, children: ran))
    }

    struct ChildRecord: Encodable {
        var step: String
        var topic: String
        var job_id: String
    }

    /// The planner's plan (a child job) or the fixed demo plan; only code and chat steps are allowed.
    private func plan(_ task: CodeTask, workflowID: String, job: JobInput, ran: inout [ChildRecord]) async throws
        -> [PlannerWorker.Step]
    {
        guard let plannerTopic else { return PlannerWorker.demoSteps }
        var context = Self.childContext(task, workflowID: workflowID, index: -1)
        context["workflow"] = .string(workflowID)
        let child = try await children.run(
            step: "plan", topic: plannerTopic, context: .object(context), parent: job,
            timeoutSeconds: limits.childTimeoutSeconds, retries: limits.maxRetries)
        ran.append(ChildRecord(step: "plan", topic: plannerTopic, job_id: child.id))
        struct Plan: Decodable { var steps: [PlannerWorker.Step]? }
        guard let steps = (try? child.result?.decode(as: Plan.self))??.steps, !steps.isEmpty else {
            throw JobFailure("the planner returned no steps")
        }
        for step in steps where !["job.code.llm", "job.chat.simple"].contains(step.topic) {
            throw JobFailure("the planner's step \(step.id) has topic \(step.topic); the demo runs only job.code.llm and job.chat.simple")
        }
        return steps
    }

    /// Steps in dependency order (stable: plan order among the ready ones); unknown
    /// dependencies and cycles are errors rather than hangs.
    static func ordered(_ steps: [PlannerWorker.Step]) throws -> [PlannerWorker.Step] {
        let ids = Set(steps.map(\.id))
        for step in steps {
            for dep in step.depends_on ?? [] where !ids.contains(dep) {
                throw JobFailure("plan step \(step.id) depends on unknown step \(dep)")
            }
        }
        var done: Set<String> = []
        var order: [PlannerWorker.Step] = []
        while order.count < steps.count {
            guard let next = steps.first(where: { !done.contains($0.id) && Set($0.depends_on ?? []).isSubset(of: done) }) else {
                throw JobFailure("the plan's dependencies form a cycle")
            }
            order.append(next)
            done.insert(next.id)
        }
        return order
    }

    static func childContext(_ task: CodeTask, workflowID: String, index: Int) -> [String: JSONValue] {
        [
            "file_path": .string(task.filePath), "code_snippet": .string(task.code), "instruction": .string(task.instruction),
            "patch": .null, "step_index": .number(Double(index)), "workflow_id": .string(workflowID),
            "prompt": .string(task.instruction),
        ]
    }

    static func explainPrompt(_ task: CodeTask, patch: JSONValue) -> String {
        let type = patch["patch"]?["type"]?.stringValue ?? "text"
        let content = patch["patch"]?["content"]?.stringValue ?? ""
        return """
            Explain this patch for \(task.filePath.isEmpty ? "the file" : task.filePath) to a reviewer.
            Original instruction: \(task.instruction)
            Patch (type=\(type)):
            \(content)
            """
    }
}
